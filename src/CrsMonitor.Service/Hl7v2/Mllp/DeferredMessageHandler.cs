namespace CrsMonitor.Service.Hl7v2.Mllp;

/// <summary>
/// The registered <see cref="IMllpMessageHandler"/>, resolved when the first message arrives rather than when the
/// listener is built: with <c>Mllp:Enabled</c> false (the default) nothing of the HL7 v2 path is constructed, so a
/// host that does not listen does not depend on it.
/// </summary>
internal sealed class DeferredMessageHandler(IServiceProvider services) : IMllpMessageHandler
{
    private readonly Lazy<IMllpMessageHandler> handler = new(services.GetRequiredService<IMllpMessageHandler>);

    public Task<byte[]> HandleAsync(ReadOnlyMemory<byte> message, MllpPeer peer, CancellationToken cancellationToken) =>
        handler.Value.HandleAsync(message, peer, cancellationToken);
}
