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

/// <summary>How a stored change (<c>alert_change</c>) is sent to a dashboard, live or replayed: by its kind.</summary>
internal static class AlertChangeSender
{
    /// <summary>Sends <paramref name="change"/> to <paramref name="client"/> under its event name; returns its patient (for the audit of a replay).</summary>
    public static async Task<string> SendAsync(IAlertClient client, AlertChangeRow change)
    {
        if (change.Kind == AlertMove.Kind)
        {
            var move = JsonSerializer.Deserialize<AlertMove>(change.Payload, AlertDocument.Json)!;
            await client.AlertMoved(move).ConfigureAwait(false);
            return move.PatientId;
        }

        var alert = JsonSerializer.Deserialize<AlertDocument>(change.Payload, AlertDocument.Json)!;
        await (change.Kind == "alertRaised" ? client.AlertRaised(alert) : client.AlertUpdated(alert)).ConfigureAwait(false);
        return alert.PatientId;
    }
}
