using System.Diagnostics.Metrics;
using CrsMonitor.Service.Hosting.Telemetry;

namespace CrsMonitor.Service.Hl7v2.Mllp;

/// <summary>
/// The listener's instruments, on the service's meter (<see cref="ServiceMetrics.MeterName"/>, so <c>GET /metrics</c>
/// serves them with the rest). Labels are closed vocabularies (reason, outcome, kind): never an address, a connection id
/// or anything from a message, so a scrape holds no PHI and no label grows without bound.
/// </summary>
public sealed class MllpMetrics
{
    private readonly UpDownCounter<long> open;
    private readonly Counter<long> refused;
    private readonly Counter<long> messages;
    private readonly Counter<long> framingErrors;

    public MllpMetrics(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        var meter = meters.Create(ServiceMetrics.MeterName);
        open = meter.CreateUpDownCounter<long>("crsmonitor.mllp.connections.open", "{connection}", "MLLP connections open now");
        refused = meter.CreateCounter<long>(
            "crsmonitor.mllp.connections.refused", "{connection}", "MLLP connections closed at once, by reason (network: not in Mllp:AllowedNetworks; limit: Mllp:MaxConnections; tls: handshake refused)");
        messages = meter.CreateCounter<long>(
            "crsmonitor.mllp.messages", "{message}", "MLLP messages handed to the handler, by outcome (acknowledged, handler-failed)");
        framingErrors = meter.CreateCounter<long>(
            "crsmonitor.mllp.framing_errors", "{connection}", "MLLP connections closed because the stream was not MLLP, by kind");
    }

    public void Opened() => open.Add(1);

    public void Closed() => open.Add(-1);

    /// <summary>A connection refused for <paramref name="reason"/>: network, limit or tls.</summary>
    public void Refused(string reason) => refused.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void Acknowledged() => messages.Add(1, new KeyValuePair<string, object?>("outcome", "acknowledged"));

    public void HandlerFailed() => messages.Add(1, new KeyValuePair<string, object?>("outcome", "handler-failed"));

    /// <summary>A framing error of <paramref name="kind"/> (or <c>closed-mid-frame</c>).</summary>
    public void FramingError(string kind) => framingErrors.Add(1, new KeyValuePair<string, object?>("kind", kind));
}
