# frozen_string_literal: true

require_relative "test_helper"
require "socket"
require "desaster/pool/frame_io"

# FrameIO on an in-process socketpair, and random bytes thrown at it.
class FrameIOTest < Minitest::Test
  FrameIO = Desaster::Pool::FrameIO
  FrameError = Desaster::Pool::FrameError

  def setup
    @a, @b = UNIXSocket.pair(:STREAM)
    @writer = FrameIO.new(@a)
    @reader = FrameIO.new(@b)
  end

  def teardown
    [@a, @b].each { |s| s.close unless s.closed? }
  end

  def test_a_map_written_is_read_back_frame_by_frame
    @writer.write("t" => "job", "args" => [1, "two", "\xff".b])
    @writer.write("t" => "stop")
    assert_equal({ "t" => "job", "args" => [1, "two", "\xff".b] }, @reader.read)
    assert_equal({ "t" => "stop" }, @reader.read)
  end

  # Two frames in one write come in one read: the second waits in the
  # buffer, where a select on the fd cannot see it.
  def test_frames_read_ahead_are_buffered_where_select_does_not_see_them
    refute @reader.buffered?
    frames = [{ "t" => "one" }, { "t" => "two" }].map do |m|
      bytes = MessagePack.pack(m)
      [bytes.bytesize].pack("N") + bytes
    end
    @a.syswrite(frames.join)
    assert_equal({ "t" => "one" }, @reader.read)
    assert @reader.buffered?
    assert_nil IO.select([@b], nil, nil, 0)
    assert_equal({ "t" => "two" }, @reader.read)
    refute @reader.buffered?
  end

  def test_a_frame_split_across_many_writes_is_read_whole
    bytes = MessagePack.pack("t" => "x" * 100_000)
    frame = [bytes.bytesize].pack("N") + bytes
    writer = Thread.new { frame.bytes.each_slice(997) { |s| @a.syswrite(s.pack("C*")) } }
    assert_equal 100_000, @reader.read["t"].size
    writer.join
  end

  def test_eof_at_a_boundary_is_nil_and_inside_a_frame_is_an_error
    @a.syswrite([10].pack("N") + "abc")
    @a.close
    error = assert_raises(FrameError) { @reader.read }
    assert_equal "stream ended inside a frame (3 of 10 bytes)", error.message
    c, d = UNIXSocket.pair(:STREAM)
    c.close
    assert_nil FrameIO.new(d).read
  end

  def test_a_length_over_16_mib_is_refused_before_reading_the_body
    @a.syswrite([16 << 20 | 1].pack("N"))
    assert_raises(FrameError) { @reader.read }
  end

  def test_writing_a_frame_over_the_limit_is_refused
    assert_raises(FrameError) { @writer.write("t" => "x" * (16 << 20)) }
  end

  def test_random_frames_give_a_map_a_bad_frame_or_a_frame_error_never_anything_else
    random = Random.new(6)
    seeds = [MessagePack.pack("t" => "job", "id" => "1", "args" => [1, [2, { "a" => nil }]]), MessagePack.pack([1, 2])]
    3000.times do
      bytes = seeds.sample(random: random).dup
      random.rand(1..4).times { bytes.setbyte(random.rand(bytes.bytesize), random.rand(256)) }
      bytes = bytes.byteslice(0, random.rand(1..bytes.bytesize))
      c, d = UNIXSocket.pair(:STREAM)
      c.syswrite([bytes.bytesize].pack("N") + bytes)
      c.close
      result = begin
        FrameIO.new(d).read
      rescue FrameError
        :frame_error
      ensure
        d.close
      end
      assert(result.is_a?(Hash) || (result.is_a?(Array) && result.first == :bad), "unexpected #{result.inspect}")
    end
  end
end
