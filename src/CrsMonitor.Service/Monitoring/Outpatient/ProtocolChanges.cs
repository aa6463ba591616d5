using CrsMonitor.Service.Assessment;
using CrsMonitor.Service.Monitoring.Protocols;
using CrsMonitor.Service.Monitoring.Schedule;

namespace CrsMonitor.Service.Monitoring.Outpatient;

/// <summary>One window as a protocol version plans it for a dose (what the preview compares).</summary>
public sealed record PlannedWindowView(
    string Id, string Setting, bool Outpatient, string Anchor, decimal MinHours, decimal MaxHours, bool CaregiverRequired, int? MaxTravelMinutes, string? After, bool Extended);

public sealed record VersionWindows(string ProtocolId, string Version, DateOnly EffectiveFrom, IReadOnlyList<PlannedWindowView> Windows);

/// <summary>A protocol version not yet in force (its effectiveFrom is after today, in the hospital's zone) and the version it replaces.</summary>
public sealed record PendingVersion(string ProtocolId, string Drug, string Jurisdiction, string Version, DateOnly EffectiveFrom, string? Replaces);

public sealed record DoseRef(string Place, DateTimeOffset? StartedAt, DateOnly? ExpectedOn);

/// <summary>A patient whose next dose falls on or after a pending version's date: its windows now and under that version.</summary>
public sealed record PatientProtocolChange(
    string PatientId, string? DisplayName, string Drug, DoseRef LatestDose, DoseRef NextDose, bool ExtendedMonitoring,
    VersionWindows InForce, VersionWindows Pending, bool Changed, IReadOnlyList<string> Changes);

public sealed record ProtocolChangePreview(string Unit, DateTimeOffset AsOf, DateOnly Today, IReadOnlyList<PendingVersion> PendingVersions, IReadOnlyList<PatientProtocolChange> Patients);

/// <summary>
/// The preview of a new label version (pure): a dose keeps the version in force on its local date, so a pending version
/// changes a patient's monitoring from the first dose on or after its effectiveFrom, normally the next one. The next
/// dose is the place after the latest recorded dose of the drug in the step-up sequence; its expected date is the latest
/// dose's date plus the days between the two places (the cycle length across cycles; unknown without one: listed, as it
/// may fall on or after the date). Its windows under the version in force today and under the pending version are
/// compared (with extended monitoring when a toxicity after the latest dose calls for it: P03).
/// </summary>
public static class ProtocolChanges
{
    public static IReadOnlyList<PendingVersion> Pending(ProtocolCatalog catalog, DateOnly today)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return [.. catalog.Files.Select(f => f.Protocol)
            .Where(p => p.EffectiveFrom > today && p.Jurisdiction == catalog.DefaultJurisdiction)
            .Select(p => new PendingVersion(p.Id, p.Drug.Key, p.Jurisdiction, p.Version, p.EffectiveFrom, catalog.ApplicableTo(p.Drug.Key, today)?.Id))];
    }

    public static PatientProtocolChange? For(
        ProtocolCatalog catalog, PendingVersion pending, string patientId, string? displayName, IReadOnlyList<DoseRow> doses,
        IReadOnlyList<EpisodeSpan> episodes, DateOnly today, Func<DateTimeOffset, DateOnly> localDate)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(pending);
        ArgumentNullException.ThrowIfNull(doses);
        ArgumentNullException.ThrowIfNull(episodes);
        ArgumentNullException.ThrowIfNull(localDate);
        var latest = doses.Where(d => d.DrugKey == pending.Drug && d.Place is not null && d.ProtocolId is not null).MaxBy(d => d.StartedAt);
        var inForce = catalog.ApplicableTo(pending.Drug, today);
        var next = catalog.Find(pending.ProtocolId)?.Protocol;
        if (latest is null || inForce is null || next is null || catalog.Find(latest.ProtocolId!)?.Protocol is not { } latestProtocol)
        {
            return null;
        }

        var place = latest.Place!.Value;
        var places = DoseSequence.Places(latestProtocol).ToList();
        var index = places.IndexOf(place);
        if (index < 0 || index + 1 >= places.Count)
        {
            return null;
        }

        var following = places[index + 1];
        var expected = ExpectedOn(localDate(latest.StartedAt), place, following, latestProtocol.CycleLengthDays);
        if (expected is { } on && on < pending.EffectiveFrom)
        {
            return null;
        }

        var extended = episodes.Any(e => e.MaxAt >= latest.StartedAt
            && inForce.ExtendsMonitoringAfter(e.Scale == Scale.Crs ? TriggerKind.Crs : TriggerKind.Icans, e.MaxGrade));
        var before = Windows(inForce, following, extended);
        var after = Windows(next, following, extended);
        var changes = Differences(before.Windows, after.Windows);
        return new PatientProtocolChange(
            patientId, displayName, pending.Drug, new DoseRef(place.ToString(), latest.StartedAt, localDate(latest.StartedAt)),
            new DoseRef(following.ToString(), null, expected), extended, before, after, changes.Count > 0, changes);
    }

    /// <summary>The date of the place after <paramref name="from"/>: the days between them (across cycles by the cycle length), or null without one.</summary>
    public static DateOnly? ExpectedOn(DateOnly latest, DosePlace from, DosePlace next, int? cycleLengthDays)
    {
        if (next.Cycle == from.Cycle)
        {
            return latest.AddDays(next.Day - from.Day);
        }

        return cycleLengthDays is { } length ? latest.AddDays(((next.Cycle - from.Cycle) * length) + next.Day - from.Day) : null;
    }

    private static VersionWindows Windows(Protocol protocol, DosePlace place, bool extended) =>
        new(protocol.Id, protocol.Version, protocol.EffectiveFrom,
            protocol.DoseAt(place.Cycle, place.Day) is { } dose
                ? [.. protocol.WindowsOf(dose, extended).Select(w => new PlannedWindowView(
                    w.Id, MonitoringSettingKind.Word(w.Setting), MonitoringSettingKind.IsOutpatient(w.Setting), w.Anchor == WindowAnchor.Start ? "start" : "end",
                    w.MinHours, w.MaxHours, w.CaregiverRequired, w.MaxTravelMinutes, w.After, w.Extended))]
                : []);

    /// <summary>One line per window that differs, by id: added, removed, or each field that changed.</summary>
    public static IReadOnlyList<string> Differences(IReadOnlyList<PlannedWindowView> before, IReadOnlyList<PlannedWindowView> after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        var lines = new List<string>();
        foreach (var old in before)
        {
            if (after.FirstOrDefault(w => w.Id == old.Id) is not { } now)
            {
                lines.Add($"{old.Id}: removed ({old.Setting}, {Hours(old.MinHours)}-{Hours(old.MaxHours)} h)");
                continue;
            }

            var fields = new List<string>();
            Field(fields, "setting", old.Setting, now.Setting);
            Field(fields, "anchor", old.Anchor, now.Anchor);
            Field(fields, "minHours", Hours(old.MinHours), Hours(now.MinHours));
            Field(fields, "maxHours", Hours(old.MaxHours), Hours(now.MaxHours));
            Field(fields, "caregiverRequired", old.CaregiverRequired ? "true" : "false", now.CaregiverRequired ? "true" : "false");
            Field(fields, "maxTravelMinutes", old.MaxTravelMinutes?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none", now.MaxTravelMinutes?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none");
            Field(fields, "after", old.After ?? "none", now.After ?? "none");
            if (fields.Count > 0)
            {
                lines.Add($"{old.Id}: {string.Join("; ", fields)}");
            }
        }

        foreach (var added in after.Where(w => before.All(b => b.Id != w.Id)))
        {
            lines.Add($"{added.Id}: new ({added.Setting}, {Hours(added.MinHours)}-{Hours(added.MaxHours)} h)");
        }

        return lines;
    }

    private static void Field(List<string> fields, string name, string before, string after)
    {
        if (before != after)
        {
            fields.Add($"{name} {before} → {after}");
        }
    }

    private static string Hours(decimal hours) => hours.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture);
}
