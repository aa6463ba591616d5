using System.Text.Json;

namespace CrsMonitor.Service.Monitoring.Schedule;

/// <summary>
/// The detail of a <c>check-overdue</c> event (<see cref="EventRow.Detail"/>, JSON for the dashboard and the audit): the check,
/// when it was due and overdue, on which basis, and when it was done if it was, late. Monitoring writes it and the alert
/// rules read it through this one type.
/// </summary>
public sealed record CheckOverdueDetail(string Check, DateTimeOffset DueAt, DateTimeOffset OverdueAt, string Basis, DateTimeOffset? DoneAt)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static CheckOverdueDetail Of(SlotRow slot)
    {
        ArgumentNullException.ThrowIfNull(slot);
        return new(slot.Kind, slot.DueAt, slot.OverdueAt, slot.Basis, slot.DoneAt);
    }

    /// <summary>The detail of <paramref name="e"/>, a check-overdue event; anything else is refused.</summary>
    public static CheckOverdueDetail Of(EventRow e)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (e.Kind != EventKinds.CheckOverdue)
        {
            throw new ArgumentException($"event {e.Id} is {e.Kind}, not {EventKinds.CheckOverdue}", nameof(e));
        }

        return JsonSerializer.Deserialize<CheckOverdueDetail>(e.Detail, Json)
            ?? throw new InvalidDataException($"event {e.Id}: its detail is not a check-overdue detail");
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json);
}
