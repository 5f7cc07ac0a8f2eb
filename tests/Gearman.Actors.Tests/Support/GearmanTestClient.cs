using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;

namespace Gearman.Actors.Tests.Support;

/// <summary>One packet as read off the wire.</summary>
public sealed record Packet(string Magic, int Type, byte[] Body, byte[][] Args)
{
    public string Text(int index) => Encoding.Latin1.GetString(Args[index]);

    public string Name => Cmd.Name(Type);

    public override string ToString()
    {
        static string Show(byte[] a) => a.Length <= 80
            ? Encoding.Latin1.GetString(a).Replace("\0", "\\0")
            : Encoding.Latin1.GetString(a, 0, 60).Replace("\0", "\\0") + $"...({a.Length} bytes)";
        return $"{Name}[{string.Join(", ", Args.Select(Show))}]";
    }
}

/// <summary>
/// A raw Gearman connection for tests. Packets are framed by hand here (not with the product's codec) so that the
/// server is checked independently. Every read is bounded by a timeout (5 s unless told otherwise); a read that
/// times out throws <see cref="TimeoutException"/> naming what was expected.
/// </summary>
public sealed class GearmanTestClient : IDisposable, IAsyncDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(5);
    public static readonly byte[] ReqMagic = { 0, (byte)'R', (byte)'E', (byte)'Q' };
    public static readonly byte[] ResMagic = { 0, (byte)'R', (byte)'E', (byte)'S' };

    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private byte[] _buf = new byte[64 * 1024];
    private int _start;
    private int _end;

    private GearmanTestClient(TcpClient tcp, string name)
    {
        _tcp = tcp;
        _tcp.NoDelay = true;
        _tcp.Client.SendTimeout = 30_000;
        _stream = tcp.GetStream();
        Name = name;
    }

    public string Name { get; }

    /// <param name="receiveBuffer">The socket's receive buffer in bytes, when a test needs the kernel to hold little.</param>
    public static async Task<GearmanTestClient> ConnectAsync(string host, int port, string name = "conn", int? receiveBuffer = null)
    {
        var tcp = new TcpClient();
        if (receiveBuffer is { } size) tcp.ReceiveBufferSize = size;
        using var cts = new CancellationTokenSource(DefaultTimeout);
        await tcp.ConnectAsync(host, port, cts.Token);
        return new GearmanTestClient(tcp, name);
    }

    // ---------------------------------------------------------------- writing

    public static byte[] Latin1(string s) => Encoding.Latin1.GetBytes(s);

    /// <summary>Header (magic, big-endian type, big-endian size) + arguments joined by single NULs.</summary>
    public static byte[] Encode(int type, byte[][] args, byte[]? magic = null)
    {
        var size = args.Sum(a => a.Length) + Math.Max(0, args.Length - 1);
        var packet = new byte[12 + size];
        (magic ?? ReqMagic).CopyTo(packet, 0);
        BinaryPrimitives.WriteInt32BigEndian(packet.AsSpan(4), type);
        BinaryPrimitives.WriteInt32BigEndian(packet.AsSpan(8), size);
        var at = 12;
        for (var i = 0; i < args.Length; i++)
        {
            if (i > 0) packet[at++] = 0;
            args[i].CopyTo(packet, at);
            at += args[i].Length;
        }
        return packet;
    }

    public static byte[] Encode(int type, params string[] args) => Encode(type, args.Select(Latin1).ToArray());

    /// <summary>A bare 12-byte header with any magic and any declared size, for tests of bad input.</summary>
    public static byte[] Header(byte[] magic, int type, uint size)
    {
        var h = new byte[12];
        magic.CopyTo(h, 0);
        BinaryPrimitives.WriteInt32BigEndian(h.AsSpan(4), type);
        BinaryPrimitives.WriteUInt32BigEndian(h.AsSpan(8), size);
        return h;
    }

    public void Send(int type) => SendRaw(Encode(type, Array.Empty<byte[]>()));

    public void Send(int type, params byte[][] args) => SendRaw(Encode(type, args));

    public void Send(int type, params string[] args) => SendRaw(Encode(type, args));

    public void SendRaw(byte[] bytes) => _stream.Write(bytes);

    public async Task SendRawAsync(byte[] bytes, CancellationToken cancel = default) => await _stream.WriteAsync(bytes, cancel);

    /// <summary>Writes one admin text line (a "\n" is appended unless the text already ends in one).</summary>
    public void SendText(string line) => SendRaw(Latin1(line.EndsWith('\n') ? line : line + "\n"));

    // ---------------------------------------------------------------- reading

    public async Task<Packet> ReceivePacketAsync(TimeSpan? timeout = null, string? expecting = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        try
        {
            var header = new byte[12];
            await ReadExactAsync(header, cts.Token);
            var magic = Encoding.Latin1.GetString(header, 0, 4);
            var type = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(4));
            var size = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(8));
            var body = new byte[size];
            await ReadExactAsync(body, cts.Token);
            return new Packet(magic, type, body, Split(body, Cmd.ResponseArgCount(type)));
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException(
                $"{Name}: no packet within {(timeout ?? DefaultTimeout).TotalSeconds:0.#} s" + (expecting is null ? "" : $" (expecting {expecting})"));
        }
    }

    /// <summary>Receives the next packet and asserts its type, showing what came instead when it differs.</summary>
    public async Task<Packet> ExpectAsync(int type, TimeSpan? timeout = null)
    {
        var p = await ReceivePacketAsync(timeout, Cmd.Name(type));
        if (p.Type != type) Assert.Fail($"{Name}: expected {Cmd.Name(type)} but got {p}");
        Assert.Equal("\0RES", p.Magic);
        return p;
    }

    /// <summary>
    /// Round trip of an ECHO with a fresh token: proves that nothing else was queued for this connection before it
    /// (everything the server had to send earlier would arrive first).
    /// </summary>
    public async Task SyncAsync(TimeSpan? timeout = null)
    {
        var token = "sync-" + Guid.NewGuid().ToString("N");
        Send(Cmd.EchoReq, token);
        var p = await ReceivePacketAsync(timeout, "ECHO_RES " + token);
        if (p.Type != Cmd.EchoRes || p.Text(0) != token) Assert.Fail($"{Name}: expected ECHO_RES {token} first but got {p}");
    }

    /// <summary>Reads one text line including its "\n" (and any "\r" before it).</summary>
    public async Task<string> ReadRawLineAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        try
        {
            while (true)
            {
                var nl = Array.IndexOf(_buf, (byte)'\n', _start, _end - _start);
                if (nl >= 0)
                {
                    var line = Encoding.Latin1.GetString(_buf, _start, nl + 1 - _start);
                    _start = nl + 1;
                    return line;
                }
                if (await FillAsync(cts.Token) == 0) throw new EndOfStreamException($"{Name}: connection closed while reading a line");
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{Name}: no complete text line within {(timeout ?? DefaultTimeout).TotalSeconds:0.#} s");
        }
    }

    /// <summary>Reads one text line without its line ending.</summary>
    public async Task<string> ReadLineAsync(TimeSpan? timeout = null) =>
        (await ReadRawLineAsync(timeout)).TrimEnd('\n').TrimEnd('\r');

    /// <summary>Sends an admin command and returns its one-line reply, line ending included.</summary>
    public async Task<string> AdminAsync(string command)
    {
        SendText(command);
        return await ReadRawLineAsync();
    }

    /// <summary>Sends an admin listing command and returns its lines up to (not including) the "." line.</summary>
    public async Task<List<string>> AdminListAsync(string command)
    {
        SendText(command);
        var lines = new List<string>();
        while (true)
        {
            var raw = await ReadRawLineAsync();
            Assert.EndsWith("\n", raw);
            var line = raw[..^1];
            if (line == ".") return lines;
            lines.Add(line);
        }
    }

    /// <summary>Asserts that the server closes the connection (EOF or reset) within the timeout, sending nothing more.</summary>
    public async Task ExpectClosedAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        if (_end > _start) Assert.Fail($"{Name}: expected the connection to close, but {_end - _start} more bytes arrived");
        try
        {
            var n = await FillAsync(cts.Token);
            if (n != 0) Assert.Fail($"{Name}: expected the connection to close, but {n} more bytes arrived");
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"{Name}: the server did not close the connection within {(timeout ?? DefaultTimeout).TotalSeconds:0.#} s");
        }
        catch (IOException)
        {
            // reset by the server: closed as well
        }
    }

    private async Task ReadExactAsync(byte[] dest, CancellationToken cancel)
    {
        var have = Math.Min(_end - _start, dest.Length);
        Buffer.BlockCopy(_buf, _start, dest, 0, have);
        _start += have;
        while (have < dest.Length)
        {
            var n = await _stream.ReadAsync(dest.AsMemory(have), cancel);
            if (n == 0) throw new EndOfStreamException($"{Name}: connection closed after {have} of {dest.Length} bytes");
            have += n;
        }
    }

    private async Task<int> FillAsync(CancellationToken cancel)
    {
        if (_start == _end) _start = _end = 0;
        if (_end == _buf.Length)
        {
            if (_start > 0)
            {
                Buffer.BlockCopy(_buf, _start, _buf, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            else Array.Resize(ref _buf, _buf.Length * 2);
        }
        var n = await _stream.ReadAsync(_buf.AsMemory(_end), cancel);
        _end += n;
        return n;
    }

    private static byte[][] Split(byte[] body, int count)
    {
        if (count == 0) return Array.Empty<byte[]>();
        var args = new List<byte[]>(count);
        var at = 0;
        for (var i = 0; i < count - 1; i++)
        {
            var nul = Array.IndexOf(body, (byte)0, at);
            if (nul < 0) break;
            args.Add(body[at..nul]);
            at = nul + 1;
        }
        args.Add(body[at..]);
        return args.ToArray();
    }

    // ---------------------------------------------------------------- conveniences for common exchanges

    /// <summary>Submits a job and returns the handle from JOB_CREATED.</summary>
    public async Task<string> SubmitAsync(int submitType, string function, string unique, string data) =>
        await SubmitAsync(submitType, function, unique, Latin1(data));

    public async Task<string> SubmitAsync(int submitType, string function, string unique, byte[] data)
    {
        Send(submitType, Latin1(function), Latin1(unique), data);
        var created = await ExpectAsync(Cmd.JobCreated);
        return created.Text(0);
    }

    /// <summary>
    /// Registers the functions and asks for a job: the NO_JOB answer proves the server has taken the registration in.
    /// Only for functions with nothing queued.
    /// </summary>
    public async Task RegisterIdleAsync(params string[] functions)
    {
        foreach (var f in functions) Send(Cmd.CanDo, f);
        Send(Cmd.GrabJob);
        await ExpectAsync(Cmd.NoJob);
    }

    /// <summary>Sends PRE_SLEEP.</summary>
    public void Sleep() => Send(Cmd.PreSleep);

    /// <summary>GRAB_JOB (or another grab type) and the assignment it must produce.</summary>
    public async Task<Packet> GrabAsync(int grabType = Cmd.GrabJob, TimeSpan? timeout = null)
    {
        Send(grabType);
        var expected = grabType switch
        {
            Cmd.GrabJobUniq => Cmd.JobAssignUniq,
            Cmd.GrabJobAll => -1,
            _ => Cmd.JobAssign,
        };
        var p = await ReceivePacketAsync(timeout, "a job assignment");
        if (expected == -1 ? p.Type is not (Cmd.JobAssignAll or Cmd.JobAssignUniq) : p.Type != expected)
            Assert.Fail($"{Name}: expected a job assignment but got {p}");
        return p;
    }

    /// <summary>GET_STATUS and its STATUS_RES, as (known, running, numerator, denominator).</summary>
    public async Task<(string Known, string Running, string Num, string Den)> GetStatusAsync(string handle)
    {
        Send(Cmd.GetStatus, handle);
        var p = await ExpectAsync(Cmd.StatusRes);
        Assert.Equal(handle, p.Text(0));
        return (p.Text(1), p.Text(2), p.Text(3), p.Text(4));
    }

    public void Dispose()
    {
        _stream.Dispose();
        _tcp.Dispose();
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}
