# frozen_string_literal: true

require "json"
require "sinatra/base"

# A small but real Sinatra application for the pool's Rack tests: routes
# with params, a JSON body, a redirect, an error page and a cookie.
class SinatraApp < Sinatra::Base
  configure do
    set :environment, :production
    set :show_exceptions, false
    set :raise_errors, false
    set :logging, false
  end

  get "/hello/:name" do
    "Hello #{params[:name]} from #{Process.pid}#{params[:shout] ? '!' : '.'}"
  end

  post "/items" do
    item = JSON.parse(request.body.read)
    status 201
    content_type :json
    response.set_cookie("last_item", item.fetch("name"))
    JSON.generate("created" => item, "method" => request.request_method, "type" => request.media_type)
  end

  get "/old" do
    redirect to("/hello/redirected")
  end

  get "/boom" do
    raise "the handler failed"
  end

  error do
    "sorry: #{env['sinatra.error'].message}"
  end
end
