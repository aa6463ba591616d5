using System.Net;
using System.Net.Sockets;
using System.Text;

namespace CrsMonitor.Benchmarks;

/// <summary>The acknowledgment code (MSA-1) and text of one ACK, with the whole ACK (segments joined by CR).</summary>
public sealed record MllpAck(string Code, string ControlId, string Raw)
{
    public bool Accepted => Code is "AA" or "CA";

    /// <summary>MSA-1 and MSA-2 of the ACK (<c>MSH|...\rMSA|AA|ctl|...</c>); code "?" when it has no MSA.</summary>
    public static MllpAck Parse(string ack)
    {
        ArgumentNullException.ThrowIfNull(ack);
        foreach (var segment in ack.Split('\r', StringSplitOptions.RemoveEmptyEntries))
        {
            if (segment.StartsWith("MSA|", StringComparison.Ordinal))
            {
                var fields = segment.Split('|');
                return new MllpAck(fields[1], fields.Length > 2 ? fields[2] : string.Empty, ack);
            }
        }

        return new MllpAck("?", string.Empty, ack);
    }

    /// <summary>The ACK on one line (CR as " / "), cut to <paramref name="max"/> characters.</summary>
    public string OneLine(int max = 600)
    {
        var line = Raw.TrimEnd('\r').Replace("\r", " / ", StringComparison.Ordinal);
        return line.Length > max ? line[..max] : line;
    }
}

/// <summary>
/// An MLLP sender as an interface engine is one (HL7 v2 MLLP release 2 framing: 0x0B, the message, 0x1C 0x0D): one TCP
/// connection (Nagle off), one message at a time, the next sent only once the ACK of the last was read. Plain TCP on
/// loopback, as the benchmark's HTTP clients are.
/// </summary>
public sealed class MllpClient : IAsyncDisposable
{
    private const byte StartBlock = 0x0B;
    private const byte EndBlock = 0x1C;
    private const byte CarriageReturn = 0x0D;

    private readonly TcpClient tcp;
    private readonly NetworkStream stream;
    private readonly TimeSpan timeout;
    private byte[] frame = new byte[4096];
    private byte[] received = new byte[4096];

    private MllpClient(TcpClient tcp, TimeSpan timeout)
    {
        this.tcp = tcp;
        this.timeout = timeout;
        stream = tcp.GetStream();
    }

    public static async Task<MllpClient> ConnectAsync(IPEndPoint endpoint, TimeSpan timeout, CancellationToken ct)
    {
        var tcp = new TcpClient(endpoint.AddressFamily) { NoDelay = true };
        try
        {
            using var connecting = CancellationTokenSource.CreateLinkedTokenSource(ct);
            connecting.CancelAfter(TimeSpan.FromSeconds(10));
            await tcp.ConnectAsync(endpoint, connecting.Token).ConfigureAwait(false);
            return new MllpClient(tcp, timeout);
        }
        catch
        {
            tcp.Dispose();
            throw;
        }
    }

    /// <summary>Sends one message (ER7 bytes, unframed) and returns its ACK's text; throws when the connection closes or the ACK takes longer than the timeout.</summary>
    public async Task<string> SendAsync(ReadOnlyMemory<byte> message, CancellationToken ct)
    {
        if (frame.Length < message.Length + 3)
        {
            frame = new byte[message.Length + 3];
        }

        frame[0] = StartBlock;
        message.Span.CopyTo(frame.AsSpan(1));
        frame[message.Length + 1] = EndBlock;
        frame[message.Length + 2] = CarriageReturn;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        await stream.WriteAsync(frame.AsMemory(0, message.Length + 3), deadline.Token).ConfigureAwait(false);
        var length = 0;
        while (true)
        {
            if (length == received.Length)
            {
                Array.Resize(ref received, received.Length * 2);
            }

            var n = await stream.ReadAsync(received.AsMemory(length), deadline.Token).ConfigureAwait(false);
            if (n == 0)
            {
                throw new IOException("the service closed the connection without an ACK");
            }

            length += n;
            if (length >= 3 && received[length - 2] == EndBlock && received[length - 1] == CarriageReturn)
            {
                if (received[0] != StartBlock)
                {
                    throw new IOException($"the ACK frame starts with 0x{received[0]:X2}, not 0x0B");
                }

                return Encoding.UTF8.GetString(received, 1, length - 3);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stream.DisposeAsync().ConfigureAwait(false);
        tcp.Dispose();
    }
}
