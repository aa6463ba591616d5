using System.Net;

namespace CrsMonitor.Service.Hl7v2.Mllp;

/// <summary>
/// The listener's log lines. They name the connection (its id, the remote address) and what happened, never a byte
/// of a message or of an ACK: HL7 v2 payloads are PHI, and logs travel further than the database. A handler's
/// exception is logged by type and stack trace only, as its message may quote the content it choked on.
/// </summary>
internal static partial class MllpLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "MLLP listener on {EndPoint} ({Transport}); at most {MaxConnections} connections from {Networks}")]
    public static partial void Listening(ILogger logger, IPEndPoint endPoint, string transport, int maxConnections, IReadOnlyList<IPNetwork> networks);

    [LoggerMessage(Level = LogLevel.Debug, Message = "MLLP listener off (Mllp:Enabled is false)")]
    public static partial void Disabled(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The MLLP server certificate {Subject} is valid from {NotBefore:O} to {NotAfter:O}, not now: TLS senders will refuse it (Mllp:CertificatePath)")]
    public static partial void CertificateNotValidNow(ILogger logger, string subject, DateTime notBefore, DateTime notAfter);

    [LoggerMessage(Level = LogLevel.Debug, Message = "MLLP connection {ConnectionId} from {Address}:{Port} opened")]
    public static partial void Opened(ILogger logger, string connectionId, IPAddress address, int port);

    [LoggerMessage(Level = LogLevel.Debug, Message = "MLLP connection {ConnectionId} closed after {Messages} message(s)")]
    public static partial void Closed(ILogger logger, string connectionId, int messages);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MLLP connection from {Address} refused: not in Mllp:AllowedNetworks")]
    public static partial void RefusedNetwork(ILogger logger, IPAddress address);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MLLP connection from {Address} refused: {Open} connections are open, Mllp:MaxConnections is {MaxConnections}")]
    public static partial void RefusedLimit(ILogger logger, IPAddress address, int open, int maxConnections);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MLLP connection {ConnectionId} from {Address}: TLS handshake refused ({Reason}); connection closed")]
    public static partial void HandshakeRefused(ILogger logger, string connectionId, IPAddress address, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MLLP connection {ConnectionId} from {Address}: client certificate {Subject} (SHA-256 {Thumbprint}) is not in Mllp:ClientCertificateThumbprints")]
    public static partial void ClientCertificateNotListed(ILogger logger, string connectionId, IPAddress address, string subject, string thumbprint);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MLLP connection {ConnectionId} from {Address}: no client certificate presented, and Mllp:ClientCertificateThumbprints requires one")]
    public static partial void ClientCertificateMissing(ILogger logger, string connectionId, IPAddress address);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MLLP connection {ConnectionId} closed on a framing error: {Problem} (no ACK sent; nothing handed on)")]
    public static partial void FramingError(ILogger logger, string connectionId, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MLLP connection {ConnectionId} closed by the peer in the middle of a frame ({Bytes} payload bytes received); the frame is dropped")]
    public static partial void ClosedMidFrame(ILogger logger, string connectionId, int bytes);

    [LoggerMessage(Level = LogLevel.Information, Message = "MLLP connection {ConnectionId} closed after {Seconds} s without data (Mllp:IdleTimeoutSeconds)")]
    public static partial void IdleTimeout(ILogger logger, string connectionId, int seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "MLLP connection {ConnectionId} lost: {Reason}")]
    public static partial void Lost(ILogger logger, string connectionId, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "MLLP connection {ConnectionId}: message of {Bytes} bytes acknowledged")]
    public static partial void Acknowledged(ILogger logger, string connectionId, int bytes);

    [LoggerMessage(Level = LogLevel.Error, Message = "MLLP connection {ConnectionId}: the message handler failed with {ExceptionType}; connection closed without an ACK (the sender resends); at {StackTrace}")]
    public static partial void HandlerFailed(ILogger logger, string connectionId, string exceptionType, string? stackTrace);

    [LoggerMessage(Level = LogLevel.Error, Message = "MLLP connection {ConnectionId}: the message handler returned no ACK or an ACK holding an MLLP framing byte (0x0B, 0x1C); connection closed without an ACK")]
    public static partial void BadAck(ILogger logger, string connectionId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Accepting an MLLP connection failed: {Error}: {Reason}")]
    public static partial void AcceptFailed(ILogger logger, System.Net.Sockets.SocketError error, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "MLLP listener stopping: no new connections; {Open} open connection(s) finish the message in hand")]
    public static partial void Stopping(ILogger logger, int open);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MLLP listener stopped with {Count} connection(s) still handling a message after the grace period; they were closed without an ACK (the senders resend)")]
    public static partial void StopAbandoned(ILogger logger, int count);
}
