namespace CrsMonitor.Service.Hl7v2.Mllp;

/// <summary>
/// What the MLLP listener hands each framed message to (the HL7 v2 message handling, implemented elsewhere): the
/// listener owns the transport (sockets, TLS, framing, limits), the handler owns the meaning. Called once per framed
/// message, in order per connection: the next message on a connection is not read until the ACK of the previous one
/// is written, so a sender that waits for its ACK (as MLLP senders do) never has two messages in hand at once.
/// </summary>
public interface IMllpMessageHandler
{
    /// <summary>
    /// Handles one message and returns the complete ACK payload (without the MLLP framing bytes, which the listener
    /// adds). Never throws for content problems (those are answered with an AE/AR ACK); if it throws, the listener logs
    /// the failure without the message content (PHI) and closes the connection without an ACK, so the sender resends.
    /// <paramref name="message"/> is the payload between the framing bytes; the listener never reuses its memory.
    /// </summary>
    Task<byte[]> HandleAsync(ReadOnlyMemory<byte> message, MllpPeer peer, CancellationToken cancellationToken);
}
