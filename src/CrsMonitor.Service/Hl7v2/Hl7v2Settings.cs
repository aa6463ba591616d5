using CrsMonitor.Service.Hosting;

namespace CrsMonitor.Service.Hl7v2;

/// <summary>
/// Section <c>Hl7v2</c>: how HL7 v2 content is read (the listener itself is section <c>Mllp</c>). Identifiers (PID-3,
/// PV1-19) carry an assigning authority; FHIR identifiers carry a system URI, and the same patient must be the same
/// Patient whichever feed sends it, so every authority a site's messages use is mapped here, never guessed.
/// </summary>
public sealed record Hl7v2Settings
{
    public const string SectionName = "Hl7v2";

    /// <summary>Assigning authority namespace (CX-4.1, e.g. <c>HOSP</c>) → the FHIR identifier system its ids are in.</summary>
    public IReadOnlyDictionary<string, string> AssigningAuthorities { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The authority (a key of <see cref="AssigningAuthorities"/>) of an identifier sent without one; empty: refused.</summary>
    public string DefaultAssigningAuthority { get; init; } = string.Empty;

    /// <summary>MSH-3 of the ACKs this service sends when the message named no receiving application (MSH-5).</summary>
    public string ApplicationName { get; init; } = "CRSMONITOR";

    /// <summary>The processing id (MSH-11: P production, T training, D debugging) this instance takes; others are refused.</summary>
    public string ProcessingId { get; init; } = "P";

    /// <summary>How long a message's answer is kept for its resends (1-3650 days); a copy arriving later is taken as a new message.</summary>
    public int ResendWindowDays { get; init; } = 30;

    public static Hl7v2Settings FromConfiguration(IConfiguration configuration) =>
        SettingsBinding.Bind(configuration, SectionName, new Hl7v2Settings());

    /// <summary>Everything wrong with these settings, each naming its setting; empty when they can be used.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        foreach (var (authority, system) in AssigningAuthorities)
        {
            if (!Uri.TryCreate(system, UriKind.Absolute, out _))
            {
                problems.Add($"{SectionName}:{nameof(AssigningAuthorities)}:{authority}: '{system}' is not an absolute URI (a FHIR identifier system such as urn:oid:1.2.3 or https://hospital.example/mrn).");
            }
        }

        if (DefaultAssigningAuthority.Length > 0 && !AssigningAuthorities.ContainsKey(DefaultAssigningAuthority))
        {
            problems.Add($"{SectionName}:{nameof(DefaultAssigningAuthority)}: '{DefaultAssigningAuthority}' is not a key of {SectionName}:{nameof(AssigningAuthorities)}.");
        }

        if (ApplicationName.Length is 0 or > 180 || ApplicationName.Any(c => c is '|' or '^' or '~' or '\\' or '&' || char.IsControl(c)))
        {
            problems.Add($"{SectionName}:{nameof(ApplicationName)}: '{ApplicationName}' must be 1 to 180 characters with no HL7 delimiter (| ^ ~ \\ &).");
        }

        if (ProcessingId is not ("P" or "T" or "D"))
        {
            problems.Add($"{SectionName}:{nameof(ProcessingId)}: '{ProcessingId}' must be P (production), T (training) or D (debugging).");
        }

        if (ResendWindowDays is < 1 or > 3650)
        {
            problems.Add($"{SectionName}:{nameof(ResendWindowDays)}: {ResendWindowDays} must be from 1 to 3650 (days).");
        }

        return problems;
    }
}
