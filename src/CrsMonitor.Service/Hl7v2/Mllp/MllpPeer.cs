using System.Net;

namespace CrsMonitor.Service.Hl7v2.Mllp;

/// <summary>
/// Who sent a message: the remote address and port of the connection, the listener's id for the connection (the id
/// in every log line about it, so a message's handling can be matched with its transport without logging content),
/// and with mutual TLS the subject of the client certificate the sender proved it holds (null on plain TCP and on TLS
/// without client certificates: then nothing about the sender was verified).
/// </summary>
public sealed record MllpPeer(IPAddress Address, int Port, string ConnectionId, string? ClientCertificateSubject);
