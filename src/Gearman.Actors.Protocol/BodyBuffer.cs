using System.Buffers;

namespace Gearman.Actors.Protocol;

/// <summary>
/// Collects one packet body as it arrives. Memory follows the bytes that have actually come in, never the size
/// a header declares: small bodies get one exact array, large ones a chain of chunks that double from 1 MiB to
/// 64 MiB, so a body may exceed the largest .NET array (the protocol allows 4 GiB − 1).
/// </summary>
internal sealed class BodyBuffer
{
    internal const int SingleArrayLimit = 1 << 20;
    private const int FirstChunk = 1 << 20;
    private const int LargestChunk = 64 << 20;

    private long _expected;
    private long _received;
    private byte[] _current = Array.Empty<byte>();
    private int _currentFill;
    private Segment? _first;
    private Segment? _last;

    public long Remaining => _expected - _received;

    public void Start(long size)
    {
        _expected = size;
        _received = 0;
        _first = _last = null;
        _currentFill = 0;
        _current = size <= SingleArrayLimit ? new byte[size] : new byte[FirstChunk];
    }

    /// <summary>Copies as much of <paramref name="input"/> as the body still needs; returns the count taken.</summary>
    public int Fill(ReadOnlySpan<byte> input)
    {
        var taken = 0;
        while (taken < input.Length && _received < _expected)
        {
            if (_currentFill == _current.Length)
            {
                SealCurrent();
                var next = (int)Math.Min(Remaining, Math.Min((long)_current.Length * 2, LargestChunk));
                _current = new byte[next];
                _currentFill = 0;
            }
            var n = Math.Min(input.Length - taken, _current.Length - _currentFill);
            input.Slice(taken, n).CopyTo(_current.AsSpan(_currentFill));
            _currentFill += n;
            _received += n;
            taken += n;
        }
        return taken;
    }

    public ReadOnlySequence<byte> Complete()
    {
        if (_first is null)
        {
            var single = new ReadOnlySequence<byte>(_current, 0, _currentFill);
            _current = Array.Empty<byte>();
            return single;
        }
        SealCurrent();
        var result = new ReadOnlySequence<byte>(_first, 0, _last!, _last!.Memory.Length);
        _first = _last = null;
        _current = Array.Empty<byte>();
        return result;
    }

    private void SealCurrent()
    {
        if (_currentFill == 0) return;
        var segment = new Segment(_current.AsMemory(0, _currentFill));
        if (_last is null) _first = _last = segment;
        else _last = _last.Append(segment);
        _currentFill = 0;
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory) => Memory = memory;

        public Segment Append(Segment next)
        {
            next.RunningIndex = RunningIndex + Memory.Length;
            Next = next;
            return next;
        }
    }
}
