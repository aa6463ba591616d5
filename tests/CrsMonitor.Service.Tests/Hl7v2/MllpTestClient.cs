using System.Net;
using System.Net.Sockets;
using System.Text;

namespace CrsMonitor.Service.Tests.Hl7v2;

/// <summary>
/// A minimal MLLP sender for the in-process tests (the independent client is npm's node-hl7-client, in
/// <c>V2NodeClientTests</c>): one connection, a framed message out, the framed ACK back.
/// </summary>
public sealed class MllpTestClient : IAsyncDisposable
{
    private readonly TcpClient tcp = new();
    private NetworkStream? stream;

    public static async Task<MllpTestClient> ConnectAsync(IPEndPoint endpoint)
    {
        var client = new MllpTestClient();
        await client.tcp.ConnectAsync(endpoint);
        client.stream = client.tcp.GetStream();
        return client;
    }

    /// <summary>Sends one message (segments joined by CR) and returns the ACK's text.</summary>
    public async Task<string> SendAsync(string message)
    {
        var body = Encoding.UTF8.GetBytes(message);
        var frame = new byte[body.Length + 3];
        frame[0] = 0x0B;
        body.CopyTo(frame, 1);
        frame[^2] = 0x1C;
        frame[^1] = 0x0D;
        await stream!.WriteAsync(frame);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var received = new List<byte>();
        var buffer = new byte[4096];
        while (true)
        {
            var n = await stream.ReadAsync(buffer, timeout.Token);
            if (n == 0)
            {
                throw new IOException("the service closed the connection without an ACK");
            }

            received.AddRange(buffer.AsSpan(0, n).ToArray());
            if (received.Count >= 3 && received[^2] == 0x1C && received[^1] == 0x0D)
            {
                Assert.That(received[0], Is.EqualTo(0x0B), "an ACK frame starts with VT");
                return Encoding.UTF8.GetString(received.ToArray(), 1, received.Count - 3);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (stream is not null)
        {
            await stream.DisposeAsync();
        }

        tcp.Dispose();
    }
}

/// <summary>An ACK read back: MSA-1, MSA-2, and each ERR's location (ERR-2), code (ERR-3.1), severity and text.</summary>
public sealed record ParsedAck(string Code, string ControlId, string Text, IReadOnlyList<(string Location, string Code, string Severity, string Text)> Errors, string Raw)
{
    public static ParsedAck Parse(string ack)
    {
        var segments = ack.Split('\r', StringSplitOptions.RemoveEmptyEntries).Select(s => s.Split('|')).ToList();
        Assert.That(segments[0][0], Is.EqualTo("MSH"), ack);
        var msa = segments.Single(s => s[0] == "MSA");
        var errors = segments.Where(s => s[0] == "ERR")
            .Select(s => (s[2], s[3].Split('^')[0], s[4], s.Length > 8 ? s[8] : string.Empty)).ToList();
        return new ParsedAck(msa[1], msa[2], msa.Length > 3 ? msa[3] : string.Empty, errors, ack);
    }

    public override string ToString() => Raw.Replace('\r', '\n');
}
