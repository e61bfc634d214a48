# frozen_string_literal: true

# Makes every fork in the pool master fail as it would out of processes.
module Kernel
  private

  def fork
    raise Errno::EAGAIN, "fork refused by the test"
  end
end
