# frozen_string_literal: true

Desaster.after_fork { |_slot| raise IOError, "database unreachable" }
