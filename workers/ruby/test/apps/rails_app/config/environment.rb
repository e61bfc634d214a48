# frozen_string_literal: true

require_relative "application"

# Controllers and a job class, as app/ would hold them in a real app.
class HelloController < ActionController::Base
  def show
    render plain: "Hello #{params[:name]} from Rails #{Rails.version} (#{Rails.env})"
  end
end

class ItemsController < ActionController::API
  def create
    render json: { created: params.require(:item).permit(:name, :kg), type: request.media_type }, status: :created
  end

  def fail
    raise ArgumentError, "broken on purpose"
  end
end

# A job the pool runs with the whole Rails app loaded.
class RailsStampJob
  def perform(path)
    File.write(path, "#{Rails.application.class.name} #{Rails.env} executor #{Rails.application.executor.active?}")
  end
end

Rails.application.initialize!
Rails.application.routes.draw do
  get "/hello/:name", to: "hello#show"
  post "/items", to: "items#create"
  get "/fail", to: "items#fail"
end
