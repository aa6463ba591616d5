using System.Globalization;
using CrsMonitor.Service.Monitoring.Protocols;

namespace CrsMonitor.Service.Research.SiteView;

/// <summary>
/// The site view, computed (pure: no SQL, no HTTP, no clock). Each dose of a protocol drug is placed by the protocol
/// version that applied to it (<c>monitoring_dose.protocol_id</c>, cycle and day → the dose entry and its
/// <c>stepUpIndex</c>); doses without a step-up index (treatment doses, or no protocol applied) are left out. The doses
/// of each drug and step-up index are pooled across protocol versions, followed up by <see cref="DoseFollowUps"/> and
/// estimated by <see cref="KaplanMeier"/> per scale. Every drug of the catalog is listed, with its step-up doses,
/// even before any dose was given (n = 0), so the label's median onset can be read beside an empty chart.
/// </summary>
public static class SiteIncidence
{
    /// <summary>The drugs the site view knows: those with a loaded protocol file.</summary>
    public static IReadOnlyList<string> Drugs(ProtocolCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return [.. catalog.Files.Select(f => f.Protocol.Drug.Key).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
    }

    public static SiteIncidenceReport Compute(
        ProtocolCatalog catalog, IReadOnlyList<SiteDose> doses, IReadOnlyList<EpisodeOnset> onsets, DateTimeOffset now, DateOnly today,
        int horizonHours, string? drug = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var stepUps = DoseFollowUps.Of(doses, onsets, now, TimeSpan.FromHours(horizonHours))
            .Select(o => (Outcome: o, Place: StepUpOf(catalog, o.Dose)))
            .Where(x => x.Place is not null)
            .Select(x => (x.Outcome, Protocol: x.Place!.Value.Protocol, Dose: x.Place.Value.Dose))
            .ToList();
        var drugs = Drugs(catalog).Where(d => drug is null || d == drug).Select(key =>
        {
            var shown = Shown(catalog, key, today);
            var ofDrug = stepUps.Where(s => s.Protocol.Drug.Key == key).ToList();
            var entries = shown.Doses.Where(d => d.StepUpIndex is not null).Select(d => (Index: d.StepUpIndex!.Value, Dose: d))
                .Concat(ofDrug.Select(s => (Index: s.Dose.StepUpIndex!.Value, s.Dose)))
                .DistinctBy(e => e.Index)
                .OrderBy(e => e.Index)
                .Select(e =>
                {
                    var group = ofDrug.Where(s => s.Dose.StepUpIndex == e.Index).Select(s => s.Outcome).ToList();
                    return new StepUpIncidence(
                        e.Index, Label(e.Dose), group.Count,
                        KaplanMeier.Estimate([.. group.Select(o => o.Crs)]),
                        KaplanMeier.Estimate([.. group.Select(o => o.Icans)]));
                });
            return new DrugIncidence(key, shown.Id, shown.LabelOnset, [.. entries]);
        });
        return new SiteIncidenceReport(now, horizonHours, [.. drugs]);
    }

    /// <summary>"step-up dose 1 (C1 D1, 1 mg)": the index, the place in the schedule and the amount, from the protocol file.</summary>
    public static string Label(ProtocolDose dose)
    {
        ArgumentNullException.ThrowIfNull(dose);
        var cycles = dose.Cycles.To == dose.Cycles.From ? $"C{dose.Cycles.From}" : dose.Cycles.ToString();
        var days = string.Join("/", dose.Days.Select(d => $"D{d}"));
        return string.Create(CultureInfo.InvariantCulture, $"step-up dose {dose.StepUpIndex} ({cycles} {days}, {dose.Amount:0.######} {dose.Unit})");
    }

    /// <summary>The protocol dose entry a recorded dose was given as, when it is a step-up dose.</summary>
    private static (Protocol Protocol, ProtocolDose Dose)? StepUpOf(ProtocolCatalog catalog, SiteDose dose) =>
        dose is { ProtocolId: { } id, Cycle: { } cycle, Day: { } day }
        && catalog.Find(id)?.Protocol is { } protocol
        && protocol.DoseAt(cycle, day) is { StepUpIndex: not null } entry
            ? (protocol, entry)
            : null;

    /// <summary>
    /// The version shown for a drug: the one in force today in the default jurisdiction; before its first version, that
    /// first version; a drug with files in other jurisdictions only, the latest of them.
    /// </summary>
    private static Protocol Shown(ProtocolCatalog catalog, string drug, DateOnly today) =>
        catalog.ApplicableTo(drug, today)
        ?? catalog.Files.Select(f => f.Protocol).Where(p => p.Drug.Key == drug && p.Jurisdiction == catalog.DefaultJurisdiction).MinBy(p => p.EffectiveFrom)
        ?? catalog.Files.Select(f => f.Protocol).Where(p => p.Drug.Key == drug).MaxBy(p => p.EffectiveFrom)!;
}
