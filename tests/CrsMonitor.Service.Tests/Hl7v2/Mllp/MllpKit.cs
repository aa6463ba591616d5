using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using CrsMonitor.Service.Hl7v2.Mllp;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace CrsMonitor.Service.Tests.Hl7v2.Mllp;

/// <summary>
/// What the MLLP tests share: a listener on 127.0.0.1 port 0 with a recording handler, a fake clock and a log that
/// keeps every line; MLLP clients over real sockets (plain and TLS); certificates made in the test.
/// </summary>
internal static class MllpKit
{
    /// <summary>The longest any test waits for the other end of a socket (a guard: a hang fails, it is never waited out).</summary>
    public static readonly TimeSpan Guard = TimeSpan.FromSeconds(15);

    public static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);

    /// <summary>0x0B payload 0x1C 0x0D.</summary>
    public static byte[] Frame(string payload) => [0x0B, .. Ascii(payload), 0x1C, 0x0D];

    /// <summary>The ACK the recording handler answers <paramref name="payload"/> with.</summary>
    public static string AckOf(string payload) => $"ACK|{payload}";

    public static MllpSettings Settings(
        int maxConnections = 64, int maxMessageBytes = 1024 * 1024, int idleTimeoutSeconds = 300, IReadOnlyList<string>? allowedNetworks = null,
        string certificatePath = "", string certificateKeyPath = "", string certificatePasswordFile = "", IReadOnlyList<string>? thumbprints = null) => new()
        {
            Enabled = true,
            Address = "127.0.0.1",
            Port = 0,
            MaxConnections = maxConnections,
            MaxMessageBytes = maxMessageBytes,
            IdleTimeoutSeconds = idleTimeoutSeconds,
            AllowedNetworks = allowedNetworks ?? [],
            CertificatePath = certificatePath,
            CertificateKeyPath = certificateKeyPath,
            CertificatePasswordFile = certificatePasswordFile,
            ClientCertificateThumbprints = thumbprints ?? [],
        };

    public static async Task<RunningListener> StartAsync(MllpSettings settings, RecordingHandler? handler = null)
    {
        var running = new RunningListener(settings, handler ?? new RecordingHandler());
        await running.Listener.StartAsync(CancellationToken.None);
        return running;
    }

    public static CancellationTokenSource GuardToken() => new(Guard);

    /// <summary>Reads one framed ACK (through its 0x1C 0x0D) and returns the whole frame, bytes exactly as received.</summary>
    public static async Task<byte[]> ReadFrameAsync(Stream stream)
    {
        using var guard = GuardToken();
        var received = new List<byte>();
        var one = new byte[1];
        while (received.Count < 2 || received[^2] != 0x1C || received[^1] != 0x0D)
        {
            if (await stream.ReadAsync(one, guard.Token) == 0)
            {
                Assert.Fail($"The connection closed after {received.Count} byte(s) of an expected ACK frame.");
            }

            received.Add(one[0]);
        }

        return [.. received];
    }

    /// <summary>
    /// Everything received until the listener closes the connection (end of stream, or a reset when it closed with bytes
    /// of ours unread); fails when it is still open after <see cref="Guard"/>.
    /// </summary>
    public static async Task<byte[]> ReadUntilClosedAsync(Stream stream)
    {
        using var guard = GuardToken();
        var received = new List<byte>();
        var buffer = new byte[4096];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, guard.Token)) > 0)
            {
                received.AddRange(buffer.AsSpan(0, read));
            }
        }
        catch (OperationCanceledException) when (guard.IsCancellationRequested)
        {
            Assert.Fail($"The listener did not close the connection within {Guard.TotalSeconds} s.");
        }
        catch (Exception e) when (e is IOException or AuthenticationException)
        {
            // Reset: closed all the same.
        }

        return [.. received];
    }

    /// <summary>Writes, tolerating a listener that already closed (what it did is then read by the caller).</summary>
    public static async Task WriteQuietlyAsync(Stream stream, byte[] bytes)
    {
        try
        {
            await stream.WriteAsync(bytes);
            await stream.FlushAsync();
        }
        catch (IOException)
        {
        }
    }

    public static async Task<TcpClient> ConnectAsync(IPEndPoint endPoint)
    {
        var client = new TcpClient(AddressFamily.InterNetwork) { NoDelay = true };
        using var guard = GuardToken();
        await client.ConnectAsync(endPoint, guard.Token);
        return client;
    }

    /// <summary>A TLS client that trusts exactly <paramref name="server"/> (pinned), presenting <paramref name="clientCertificate"/> when asked.</summary>
    public static async Task<SslStream> ConnectTlsAsync(TcpClient client, X509Certificate2 server, X509Certificate2? clientCertificate = null)
    {
        var tls = new SslStream(client.GetStream(), leaveInnerStreamOpen: false);
        using var guard = GuardToken();
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                certificate is not null && certificate.GetCertHashString(HashAlgorithmName.SHA256) == server.GetCertHashString(HashAlgorithmName.SHA256),
            ClientCertificates = clientCertificate is null ? null : [clientCertificate],
            LocalCertificateSelectionCallback = clientCertificate is null ? null : (_, _, _, _, _) => clientCertificate,
        }, guard.Token);
        return tls;
    }

    /// <summary>A self-signed certificate with its key (ECDSA P-256), for 127.0.0.1 / localhost as a server or as a client.</summary>
    public static X509Certificate2 SelfSigned(string commonName, bool server)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid(server ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false));
        if (server)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName("localhost");
            names.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(names.Build());
        }

        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddDays(-1), now.AddDays(30));
    }

    public static string Text(byte[] bytes) => Encoding.ASCII.GetString(bytes);

    /// <summary>The lines logged, one string each (message and any exception), for asserting what is and is not logged.</summary>
    public static string LogText(RunningListener running) => string.Join('\n', running.Log.Entries.Select(e => $"{e.Level}: {e.Message}"));
}

/// <summary>A started listener with what the tests look at; disposing stops and disposes it.</summary>
internal sealed class RunningListener : IAsyncDisposable
{
    public RunningListener(MllpSettings settings, RecordingHandler handler, FakeHostLifetime? lifetime = null)
    {
        Handler = handler;
        Lifetime = lifetime ?? new FakeHostLifetime();
        Listener = new MllpListener(handler, Options.Create(settings), Time, Log, Lifetime);
    }

    public FakeTimeProvider Time { get; } = new(DateTimeOffset.UtcNow);

    public ListLogger<MllpListener> Log { get; } = new();

    public RecordingHandler Handler { get; }

    public FakeHostLifetime Lifetime { get; }

    public MllpListener Listener { get; }

    public IPEndPoint EndPoint => Listener.LocalEndPoint ?? throw new InvalidOperationException("not listening");

    public async ValueTask DisposeAsync()
    {
        using var guard = MllpKit.GuardToken();
        await Listener.StopAsync(guard.Token);
        Listener.Dispose();
        Lifetime.Dispose();
    }
}

/// <summary>
/// Answers every message with <c>ACK|payload</c> (so an ACK proves which payload it answers), recording each call; a
/// test may replace the behaviour (block, throw) through <see cref="Behaviour"/>.
/// </summary>
internal sealed class RecordingHandler : IMllpMessageHandler
{
    public ConcurrentQueue<(string Payload, MllpPeer Peer)> Calls { get; } = new();

    public Func<string, MllpPeer, CancellationToken, Task<byte[]>>? Behaviour { get; set; }

    public IReadOnlyList<string> Payloads => [.. Calls.Select(c => c.Payload)];

    public async Task<byte[]> HandleAsync(ReadOnlyMemory<byte> message, MllpPeer peer, CancellationToken cancellationToken)
    {
        var payload = Encoding.ASCII.GetString(message.Span);
        Calls.Enqueue((payload, peer));
        return Behaviour is null ? MllpKit.Ascii(MllpKit.AckOf(payload)) : await Behaviour(payload, peer, cancellationToken);
    }
}

internal sealed class FakeHostLifetime : Microsoft.Extensions.Hosting.IHostApplicationLifetime, IDisposable
{
    private readonly CancellationTokenSource stopping = new();

    public CancellationToken ApplicationStarted => CancellationToken.None;

    public CancellationToken ApplicationStopping => stopping.Token;

    public CancellationToken ApplicationStopped => CancellationToken.None;

    /// <summary>Fires <see cref="ApplicationStopping"/> synchronously (its callbacks have run when this returns).</summary>
    public void StopApplication() => stopping.Cancel();

    public void Dispose() => stopping.Dispose();
}

internal sealed class ListLogger<T> : ILogger<T>
{
    public ConcurrentQueue<(LogLevel Level, string Message)> Entries { get; } = new();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Entries.Enqueue((logLevel, formatter(state, exception) + (exception is null ? "" : $" {exception}")));
}
