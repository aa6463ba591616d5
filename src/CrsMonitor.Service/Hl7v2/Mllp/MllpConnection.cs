using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CrsMonitor.Service.Hl7v2.Mllp;

/// <summary>
/// What every connection of one listener shares: its handler, settings, certificate, clock and stop signals.
/// <c>Draining</c> is cancelled when the stop begins (no more reading; a message in hand still finishes), <c>Grace</c>
/// a bounded time later (the message in hand and its ACK are given up).
/// </summary>
internal sealed record MllpConnectionEnvironment(
    IMllpMessageHandler Handler,
    MllpSettings Settings,
    MllpServerCertificate? Certificate,
    IReadOnlySet<string> Thumbprints,
    TimeProvider Time,
    ILogger Logger,
    MllpMetrics? Metrics,
    CancellationToken Draining,
    CancellationToken Grace);

/// <summary>
/// One MLLP connection, served on its own task so a slow handler holds up its own sender only: optional TLS handshake,
/// then read, unframe, hand each message to the handler and write its ACK framed, strictly one message at a time
/// (the next frame is not looked at until the previous ACK is written, even when both arrived in one read). Any
/// framing error, handler failure, idle timeout or TLS refusal closes the connection without an ACK: MLLP senders
/// resend what was not acknowledged, so closing is always safe, while guessing is not.
/// </summary>
internal sealed class MllpConnection
{
    private const int ReadBufferBytes = 16 * 1024;

    private readonly Socket socket;
    private readonly MllpConnectionEnvironment env;
    private readonly ILogger logger;

    public MllpConnection(Socket socket, IPAddress address, int port, string id, MllpConnectionEnvironment environment)
    {
        this.socket = socket;
        Address = address;
        Port = port;
        Id = id;
        env = environment;
        logger = environment.Logger;
    }

    public string Id { get; }

    public IPAddress Address { get; }

    public int Port { get; }

    /// <summary>Closes the socket under whatever is in progress (the stop's grace period is over).</summary>
    public void Abort() => socket.Dispose();

    /// <summary>Serves the connection until it closes; never throws.</summary>
    public async Task RunAsync()
    {
        var messages = 0;
        var settings = env.Settings;
        // Idle: restarted by every read that returns data, paused while a message is in hand (the sender is waiting for
        // us, not silent), on the host's clock so tests step it.
        using var idle = new CancellationTokenSource(settings.IdleTimeout, env.Time);
        using var reading = CancellationTokenSource.CreateLinkedTokenSource(idle.Token, env.Draining);
        using var sending = CancellationTokenSource.CreateLinkedTokenSource(idle.Token, env.Grace);
        Stream stream = new NetworkStream(socket, ownsSocket: true);
        MllpLog.Opened(logger, Id, Address, Port);
        try
        {
            string? subject = null;
            if (env.Certificate is { } certificate)
            {
                var tls = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = tls;
                await tls.AuthenticateAsServerAsync(ServerOptions(certificate), reading.Token).ConfigureAwait(false);
                // Only a pinned certificate says who the sender is; one a client volunteers unasked was not checked.
                subject = env.Thumbprints.Count > 0 ? tls.RemoteCertificate?.Subject : null;
            }

            var peer = new MllpPeer(Address, Port, Id, subject);
            var parser = new MllpFrameParser(settings.MaxMessageBytes);
            var buffer = new byte[ReadBufferBytes];
            while (true)
            {
                var read = await stream.ReadAsync(buffer, reading.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    if (parser.InFrame)
                    {
                        MllpLog.ClosedMidFrame(logger, Id, parser.PendingBytes);
                        env.Metrics?.FramingError("closed-mid-frame");
                    }

                    return;
                }

                idle.CancelAfter(settings.IdleTimeout);
                for (var offset = 0; offset < read;)
                {
                    var result = parser.Parse(buffer.AsSpan(offset, read - offset));
                    offset += result.Consumed;
                    if (result.Status == MllpParseStatus.Error)
                    {
                        MllpLog.FramingError(logger, Id, Describe(result.Error, settings));
                        env.Metrics?.FramingError(Kind(result.Error));
                        return;
                    }

                    if (result.Status == MllpParseStatus.Frame)
                    {
                        idle.CancelAfter(Timeout.InfiniteTimeSpan);
                        var ack = await HandleAsync(result.Payload, peer).ConfigureAwait(false);
                        if (ack is null)
                        {
                            return;
                        }

                        // Restarted before the ACK goes out: once the sender has its ACK, its silence is being timed.
                        idle.CancelAfter(settings.IdleTimeout);
                        await stream.WriteAsync(ack, sending.Token).ConfigureAwait(false);
                        await stream.FlushAsync(sending.Token).ConfigureAwait(false);
                        messages++;
                        env.Metrics?.Acknowledged();
                        MllpLog.Acknowledged(logger, Id, result.Payload.Length);
                        if (env.Draining.IsCancellationRequested)
                        {
                            return; // stopping: the message in hand is done, nothing more is read
                        }
                    }
                }
            }
        }
        catch (OperationCanceledException) when (idle.IsCancellationRequested && !env.Draining.IsCancellationRequested)
        {
            MllpLog.IdleTimeout(logger, Id, settings.IdleTimeoutSeconds);
        }
        catch (OperationCanceledException) when (env.Draining.IsCancellationRequested)
        {
            // The stop closes it (logged once by the listener).
        }
        catch (AuthenticationException e)
        {
            MllpLog.HandshakeRefused(logger, Id, Address, e.Message);
            env.Metrics?.Refused("tls");
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            MllpLog.Lost(logger, Id, e.Message);
        }
        finally
        {
            Close(stream);
            MllpLog.Closed(logger, Id, messages);
        }
    }

    /// <summary>The framed ACK of the handler for <paramref name="payload"/>; null when it failed (the connection then closes).</summary>
    private async Task<byte[]?> HandleAsync(ReadOnlyMemory<byte> payload, MllpPeer peer)
    {
        byte[] ack;
        try
        {
            ack = await env.Handler.HandleAsync(payload, peer, env.Grace).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (env.Grace.IsCancellationRequested)
        {
            return null; // the stop gave up on it (counted by the listener)
        }
        catch (Exception e)
        {
            // Type and stack only: an exception's message may quote the content it failed on (PHI).
            MllpLog.HandlerFailed(logger, Id, e.GetType().FullName ?? e.GetType().Name, e.StackTrace);
            env.Metrics?.HandlerFailed();
            return null;
        }

        if (ack is null || ack.AsSpan().IndexOfAny(MllpFrameParser.StartBlock, MllpFrameParser.EndBlock) >= 0)
        {
            MllpLog.BadAck(logger, Id);
            env.Metrics?.HandlerFailed();
            return null;
        }

        var framed = new byte[ack.Length + 3];
        framed[0] = MllpFrameParser.StartBlock;
        ack.CopyTo(framed, 1);
        framed[^2] = MllpFrameParser.EndBlock;
        framed[^1] = MllpFrameParser.CarriageReturn;
        return framed;
    }

    private SslServerAuthenticationOptions ServerOptions(MllpServerCertificate certificate) => new()
    {
        ServerCertificateContext = certificate.Context,
        EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
        ClientCertificateRequired = env.Thumbprints.Count > 0,
        // Client certificates are pinned by thumbprint: revocation lists are not what decides.
        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        AllowRenegotiation = false,
        RemoteCertificateValidationCallback = ValidateClientCertificate,
    };

    /// <summary>
    /// The client certificate's only check: its SHA-256 thumbprint is listed in <c>Mllp:ClientCertificateThumbprints</c>.
    /// Chain errors do not matter (an interface engine's certificate is often self-signed; listing it is the trust).
    /// With no thumbprints listed no certificate is asked for, and one volunteered is neither checked nor reported.
    /// </summary>
    private bool ValidateClientCertificate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (env.Thumbprints.Count == 0)
        {
            return true;
        }

        if (certificate is null)
        {
            MllpLog.ClientCertificateMissing(logger, Id, Address);
            return false;
        }

        var thumbprint = certificate.GetCertHashString(HashAlgorithmName.SHA256);
        if (env.Thumbprints.Contains(thumbprint))
        {
            return true;
        }

        MllpLog.ClientCertificateNotListed(logger, Id, Address, certificate.Subject, thumbprint);
        return false;
    }

    /// <summary>Ends the connection with a FIN (the peer sees the close, not a reset, unless it sent bytes we never read).</summary>
    private void Close(Stream stream)
    {
        try
        {
            socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Already reset or aborted.
        }

        try
        {
            stream.Dispose();
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            // Closing a broken TLS stream may fail to send its alert: closed all the same.
        }
    }

    private static string Describe(MllpFramingError error, MllpSettings settings) => error switch
    {
        MllpFramingError.DataOutsideFrame => "a byte other than the start block (0x0B), CR or LF between frames",
        MllpFramingError.StartBlockInsideFrame => "a start block (0x0B) inside a frame",
        MllpFramingError.EndBlockWithoutCarriageReturn => "an end block (0x1C) not followed by CR (0x0D)",
        MllpFramingError.FrameTooLarge => $"a frame larger than Mllp:MaxMessageBytes ({settings.MaxMessageBytes} bytes)",
        _ => error.ToString(),
    };

    private static string Kind(MllpFramingError error) => error switch
    {
        MllpFramingError.DataOutsideFrame => "data-outside-frame",
        MllpFramingError.StartBlockInsideFrame => "start-block-inside-frame",
        MllpFramingError.EndBlockWithoutCarriageReturn => "end-block-without-cr",
        MllpFramingError.FrameTooLarge => "frame-too-large",
        _ => "other",
    };
}
