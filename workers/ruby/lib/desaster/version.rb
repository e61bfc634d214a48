# frozen_string_literal: true

module Desaster
  VERSION = "0.1.0"
end
