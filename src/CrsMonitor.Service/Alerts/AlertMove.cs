using System.Text.Json;

namespace CrsMonitor.Service.Alerts;

/// <summary>
/// The payload of the hub event <c>alertMoved</c> (<c>schemas/alerts/alert-moved.schema.json</c>): an open alert
/// followed its patient from unit <see cref="From"/> to unit <see cref="To"/> (an admission or a transfer). Each of the
/// two units is told with a change of its own: <see cref="Unit"/> is the unit this change belongs to and
/// <see cref="Seq"/> that unit's sequence number, as in an alert, so clients keep their per-unit last seq and Resume
/// replays it. The new unit's change carries the alert as it now is (unit <see cref="To"/>, its basis); the old unit's
/// carries no alert (<see cref="Alert"/> null): it only takes the alert off that unit's feed.
/// </summary>
public sealed record AlertMove(string Id, string Unit, long Seq, string PatientId, string From, string To, DateTimeOffset At, AlertDocument? Alert)
{
    public const string Kind = "alertMoved";
}

/// <summary>
/// A stored change (<c>alert_change</c>) read once and sent to any number of dashboards, live or replayed, under its
/// kind's event name.
/// </summary>
internal sealed class OutgoingChange
{
    private readonly AlertMove? move;
    private readonly AlertDocument? alert;
    private readonly bool raised;

    private OutgoingChange(AlertChangeRow row)
    {
        Seq = row.Seq;
        At = row.At;
        Kind = row.Kind;
        if (row.Kind == AlertMove.Kind)
        {
            move = JsonSerializer.Deserialize<AlertMove>(row.Payload, AlertDocument.Json)!;
            PatientId = move.PatientId;
            return;
        }

        alert = JsonSerializer.Deserialize<AlertDocument>(row.Payload, AlertDocument.Json)!;
        raised = row.Kind == "alertRaised";
        PatientId = alert.PatientId;
    }

    public long Seq { get; }

    /// <summary>The hub event: <c>alertRaised</c>, <c>alertUpdated</c> or <c>alertMoved</c>.</summary>
    public string Kind { get; }

    /// <summary>When the change was written (its transaction's clock): what push latency counts from.</summary>
    public DateTimeOffset At { get; }

    /// <summary>Whose alert it is (for the audit of a replay).</summary>
    public string PatientId { get; }

    public static IReadOnlyList<OutgoingChange> Of(IEnumerable<AlertChangeRow> rows) => [.. rows.Select(r => new OutgoingChange(r))];

    public Task SendAsync(IAlertClient client) =>
        move is not null ? client.AlertMoved(move) : raised ? client.AlertRaised(alert!) : client.AlertUpdated(alert!);
}
