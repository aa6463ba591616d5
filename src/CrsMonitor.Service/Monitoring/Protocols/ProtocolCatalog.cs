namespace CrsMonitor.Service.Monitoring.Protocols;

/// <summary>A dose of a protocol with the windows that follow it.</summary>
public sealed record DosePlan(Protocol Protocol, ProtocolDose Dose, IReadOnlyList<PlannedWindow> Windows);

/// <summary>
/// The loaded protocols (a singleton built at start-up; files never change while the service runs). Answers which
/// version applies to a drug on a date in a jurisdiction: of that drug's versions in that jurisdiction, the one
/// with the latest <see cref="Protocol.EffectiveFrom"/> on or before the date (none before the first version).
/// </summary>
public sealed class ProtocolCatalog
{
    private readonly Dictionary<string, ProtocolFile> byId;
    private readonly Dictionary<(string Drug, string Jurisdiction), List<Protocol>> byDrug;

    public ProtocolCatalog(IEnumerable<ProtocolFile> files, string defaultJurisdiction, string defaultDrug = "tarlatamab")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(defaultDrug);
        DefaultDrug = defaultDrug;
        ArgumentNullException.ThrowIfNull(files);
        ArgumentException.ThrowIfNullOrWhiteSpace(defaultJurisdiction);
        DefaultJurisdiction = defaultJurisdiction;
        Files = [.. files.OrderBy(f => f.Protocol.Drug.Key, StringComparer.Ordinal)
            .ThenBy(f => f.Protocol.Jurisdiction, StringComparer.Ordinal)
            .ThenBy(f => f.Protocol.EffectiveFrom)];
        byId = Files.ToDictionary(f => f.Protocol.Id, StringComparer.Ordinal);
        byDrug = Files.GroupBy(f => (f.Protocol.Drug.Key, f.Protocol.Jurisdiction))
            .ToDictionary(g => g.Key, g => g.Select(f => f.Protocol).OrderBy(p => p.EffectiveFrom).ToList());
    }

    /// <summary>The jurisdiction used when a question names none (setting <c>Protocols:Jurisdiction</c>, default US).</summary>
    public string DefaultJurisdiction { get; }

    /// <summary>The drug whose protocol gives the check schedule of a window opened by hand with no protocol dose before it.</summary>
    public string DefaultDrug { get; }

    /// <summary>Every loaded file, by drug, jurisdiction and effective date.</summary>
    public IReadOnlyList<ProtocolFile> Files { get; }

    public ProtocolFile? Find(string id) => byId.GetValueOrDefault(id);

    /// <summary>The version of <paramref name="drugKey"/> that applies on <paramref name="date"/> (the dose's local date), or null.</summary>
    public Protocol? ApplicableTo(string drugKey, DateOnly date, string? jurisdiction = null) =>
        byDrug.TryGetValue((drugKey, jurisdiction ?? DefaultJurisdiction), out var versions)
            ? versions.LastOrDefault(p => p.EffectiveFrom <= date)
            : null;

    /// <summary>The day the next version of the same drug and jurisdiction takes over, or null for the latest.</summary>
    public DateOnly? EffectiveUntil(Protocol protocol)
    {
        ArgumentNullException.ThrowIfNull(protocol);
        return byDrug[(protocol.Drug.Key, protocol.Jurisdiction)].FirstOrDefault(p => p.EffectiveFrom > protocol.EffectiveFrom)?.EffectiveFrom;
    }

    /// <summary>
    /// The dose at cycle <paramref name="cycle"/>, day <paramref name="day"/> of the version that applies on
    /// <paramref name="date"/>, with its windows (and the extended ones when <paramref name="extendedMonitoring"/>);
    /// null when no version applies or it has no such dose.
    /// </summary>
    public DosePlan? PlanFor(string drugKey, DateOnly date, int cycle, int day, bool extendedMonitoring = false, string? jurisdiction = null) =>
        ApplicableTo(drugKey, date, jurisdiction) is { } protocol && protocol.DoseAt(cycle, day) is { } dose
            ? new DosePlan(protocol, dose, protocol.WindowsOf(dose, extendedMonitoring))
            : null;
}
