using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using CrsMonitor.Service.Hosting;
using Microsoft.Extensions.Options;

namespace CrsMonitor.Service.Hl7v2.Mllp;

/// <summary>
/// The HL7 v2 MLLP listener (section <c>Mllp</c>; transport only: what a message means is the
/// <see cref="IMllpMessageHandler"/>'s). The socket is bound in <see cref="StartAsync"/>, so a port in use or an
/// unreadable certificate fails start-up with a message naming the setting instead of a background task dying quietly.
/// Connections from outside <c>Mllp:AllowedNetworks</c>, and beyond <c>Mllp:MaxConnections</c>, are closed as soon as
/// they are accepted; every other connection is served on its own task (<see cref="MllpConnection"/>). On stop
/// (<c>ApplicationStopping</c> or the host's stop, whichever comes first) nothing new is accepted or read, a message
/// in hand gets <see cref="StopGrace"/> to be handled and acknowledged, then every connection is closed.
/// </summary>
public sealed class MllpListener : BackgroundService
{
    /// <summary>How long a stop waits for messages in hand and their ACKs (within the host's 8 s shutdown timeout).</summary>
    public static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(5);

    private readonly IMllpMessageHandler handler;
    private readonly MllpSettings settings;
    private readonly TimeProvider time;
    private readonly ILogger<MllpListener> logger;
    private readonly IHostApplicationLifetime? lifetime;
    private readonly MllpMetrics? metrics;
    private readonly ConcurrentDictionary<string, (MllpConnection Connection, Task Served)> connections = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource draining = new();
    private readonly CancellationTokenSource grace;
    private CancellationTokenRegistration stoppingRegistration;
    private MllpServerCertificate? certificate;
    private Socket? listenSocket;
    private IReadOnlyList<IPNetwork> networks = [];
    private MllpConnectionEnvironment? environment;
    private int open;
    private int drainBegun;
    private volatile bool disposed;

    public MllpListener(
        IMllpMessageHandler handler, IOptions<MllpSettings> options, TimeProvider time, ILogger<MllpListener> logger,
        IHostApplicationLifetime? lifetime = null, MllpMetrics? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.handler = handler;
        settings = options.Value;
        this.time = time;
        this.logger = logger;
        this.lifetime = lifetime;
        this.metrics = metrics;
        grace = new CancellationTokenSource(Timeout.InfiniteTimeSpan, time);
    }

    /// <summary>The bound address once listening (with <c>Mllp:Port</c> 0, the port the system chose); null when off.</summary>
    public IPEndPoint? LocalEndPoint { get; private set; }

    /// <summary>Connections being served now (refused ones never count).</summary>
    public int OpenConnections => Volatile.Read(ref open);

    /// <summary>Loads the certificate and binds the socket (failing start-up naming the setting), then starts accepting.</summary>
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        if (!settings.Enabled)
        {
            MllpLog.Disabled(logger);
            return Task.CompletedTask;
        }

        if (settings.UsesTls)
        {
            certificate = MllpServerCertificate.Load(settings);
            var now = time.GetUtcNow().UtcDateTime;
            if (now < certificate.Leaf.NotBefore.ToUniversalTime() || now > certificate.Leaf.NotAfter.ToUniversalTime())
            {
                MllpLog.CertificateNotValidNow(logger, certificate.Leaf.Subject, certificate.Leaf.NotBefore.ToUniversalTime(), certificate.Leaf.NotAfter.ToUniversalTime());
            }
        }

        networks = settings.Networks();
        var endPoint = settings.EndPoint();
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (endPoint.Address.Equals(IPAddress.IPv6Any))
            {
                socket.DualMode = true; // "::" means every interface, IPv4 ones too
            }

            socket.Bind(endPoint);
            socket.Listen();
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new StartupConfigurationException(
                $"{MllpSettings.SectionName}:{nameof(MllpSettings.Address)}/{MllpSettings.SectionName}:{nameof(MllpSettings.Port)}: cannot listen on {endPoint} "
                + $"({e.SocketErrorCode}: {e.Message}). Is another program using the port, or is the address not one of this machine's?", e);
        }

        listenSocket = socket;
        LocalEndPoint = (IPEndPoint)socket.LocalEndPoint!;
        environment = new MllpConnectionEnvironment(
            handler, settings, certificate, settings.Thumbprints(), time, logger, metrics, draining.Token, grace.Token);
        if (lifetime is not null)
        {
            stoppingRegistration = lifetime.ApplicationStopping.Register(BeginDrain);
        }

        var transport = certificate is null ? "plain TCP" : settings.RequiresClientCertificate ? "TLS, client certificate required" : "TLS";
        MllpLog.Listening(logger, LocalEndPoint, transport, settings.MaxConnections, networks);
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var stopping = stoppingToken.Register(BeginDrain);
        var drain = draining.Token;
        var socket = listenSocket!;
        try
        {
            while (!drain.IsCancellationRequested)
            {
                Socket accepted;
                try
                {
                    accepted = await socket.AcceptAsync(drain).ConfigureAwait(false);
                }
                catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException
                    && (drain.IsCancellationRequested || disposed))
                {
                    break; // stopping (the socket is closed), or disposed without a stop (the host failed to start after us)
                }
                catch (SocketException e)
                {
                    // A client that reset before we took it, or the process out of descriptors: keep listening, but
                    // do not spin on an error that repeats.
                    MllpLog.AcceptFailed(logger, e.SocketErrorCode, e.Message);
                    try
                    {
                        await Task.Delay(TimeSpan.FromMilliseconds(100), time, drain).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        break;
                    }

                    continue;
                }

                try
                {
                    Admit(accepted);
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                    // Reset by the client between the accept and our first look at it: never a reason to stop listening.
                    MllpLog.AcceptFailed(logger, e is SocketException s ? s.SocketErrorCode : SocketError.OperationAborted, e.Message);
                    accepted.Dispose();
                }
            }
        }
        finally
        {
            socket.Dispose(); // stop accepting: new connections are refused by the system from here on
        }

        await FinishConnectionsAsync().ConfigureAwait(false);
    }

    public override void Dispose()
    {
        disposed = true;
        stoppingRegistration.Dispose();
        listenSocket?.Dispose();
        foreach (var (connection, _) in connections.Values)
        {
            connection.Abort();
        }

        certificate?.Dispose();
        draining.Dispose();
        grace.Dispose();
        base.Dispose();
    }

    private void Admit(Socket socket)
    {
        var remote = (IPEndPoint)socket.RemoteEndPoint!;
        var address = remote.Address.IsIPv4MappedToIPv6 ? remote.Address.MapToIPv4() : remote.Address;
        if (!networks.Any(n => n.Contains(address)))
        {
            MllpLog.RefusedNetwork(logger, address);
            metrics?.Refused("network");
            CloseAtOnce(socket);
            return;
        }

        // Only this loop adds, so the count cannot pass the limit between the check and the increment.
        if (OpenConnections >= settings.MaxConnections)
        {
            MllpLog.RefusedLimit(logger, address, OpenConnections, settings.MaxConnections);
            metrics?.Refused("limit");
            CloseAtOnce(socket);
            return;
        }

        socket.NoDelay = true; // an ACK is one small write the sender waits for: no Nagle delay
        var connection = new MllpConnection(socket, address, remote.Port, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)), environment!);
        Interlocked.Increment(ref open);
        metrics?.Opened();
        var served = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        connections[connection.Id] = (connection, served.Task);
        _ = Task.Run(async () =>
        {
            try
            {
                await connection.RunAsync().ConfigureAwait(false);
            }
            finally
            {
                connections.TryRemove(connection.Id, out _);
                Interlocked.Decrement(ref open);
                metrics?.Closed();
                served.TrySetResult();
            }
        });
    }

    /// <summary>After accepting stopped: waits for the connections to finish their message in hand, at most the grace period.</summary>
    private async Task FinishConnectionsAsync()
    {
        try
        {
            await Task.WhenAll(connections.Values.Select(c => c.Served)).WaitAsync(grace.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            var left = connections.Values.ToList();
            foreach (var (connection, _) in left)
            {
                connection.Abort();
            }

            if (left.Count > 0)
            {
                MllpLog.StopAbandoned(logger, left.Count);
            }
        }
    }

    /// <summary>The stop began: no new connection, no more reading; the grace period for messages in hand starts.</summary>
    private void BeginDrain()
    {
        if (Interlocked.Exchange(ref drainBegun, 1) == 1)
        {
            return;
        }

        MllpLog.Stopping(logger, OpenConnections);
        grace.CancelAfter(StopGrace);
        draining.Cancel();
        listenSocket?.Dispose(); // at once: a sender connecting from now on is refused (and may try another node)
    }

    private static void CloseAtOnce(Socket socket)
    {
        try
        {
            socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
            // The client already went away.
        }

        socket.Dispose();
    }
}
