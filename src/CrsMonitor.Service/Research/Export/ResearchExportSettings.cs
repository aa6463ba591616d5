using CrsMonitor.Service.Hosting;

namespace CrsMonitor.Service.Research.Export;

/// <summary>
/// Section <c>ResearchExport</c>: the FHIR Bulk Data <c>$export</c> of the researcher role (how many exports a researcher
/// may have in progress, when a node that stopped answering loses its claim on one, how long the files are kept).
/// </summary>
public sealed record ResearchExportSettings
{
    public const string SectionName = "ResearchExport";

    /// <summary>Exports one researcher (token subject) may have queued or running at once (1-100); one more is 429.</summary>
    public int MaxConcurrentPerRequester { get; init; } = 2;

    /// <summary>
    /// A running export whose node has not refreshed its claim for this many minutes (1-1440) is taken over by another
    /// node (the first one died). Nodes refresh their claims every few seconds.
    /// </summary>
    public int ClaimTimeoutMinutes { get; init; } = 10;

    /// <summary>How long a finished export's manifest and files are served (1-8760 hours); then they are purged.</summary>
    public int RetentionHours { get; init; } = 24;

    /// <summary>
    /// The file holding the key of the export's pseudonyms and date shifts (absolute path); empty: <c>research-pseudonym.key</c>
    /// in the data folder, created at first use. Every node of a cluster must name the same key (start-up refuses a
    /// clustered node without it): two keys would give one patient two pseudonyms.
    /// </summary>
    public string PseudonymKeyFile { get; init; } = "";

    public TimeSpan ClaimTimeout => TimeSpan.FromMinutes(ClaimTimeoutMinutes);

    public TimeSpan Retention => TimeSpan.FromHours(RetentionHours);

    public static ResearchExportSettings FromConfiguration(IConfiguration configuration) =>
        SettingsBinding.Bind(configuration, SectionName, new ResearchExportSettings());

    /// <summary>Everything wrong with these settings, each naming its setting; empty when they can be used.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (MaxConcurrentPerRequester is < 1 or > 100)
        {
            problems.Add($"{SectionName}:{nameof(MaxConcurrentPerRequester)}: {MaxConcurrentPerRequester} must be from 1 to 100 (exports in progress per researcher).");
        }

        if (ClaimTimeoutMinutes is < 1 or > 1440)
        {
            problems.Add($"{SectionName}:{nameof(ClaimTimeoutMinutes)}: {ClaimTimeoutMinutes} must be from 1 to 1440 (minutes).");
        }

        if (RetentionHours is < 1 or > 8760)
        {
            problems.Add($"{SectionName}:{nameof(RetentionHours)}: {RetentionHours} must be from 1 to 8760 (hours).");
        }

        if (!string.IsNullOrWhiteSpace(PseudonymKeyFile) && !Path.IsPathFullyQualified(PseudonymKeyFile))
        {
            problems.Add($"{SectionName}:{nameof(PseudonymKeyFile)}: '{PseudonymKeyFile}' must be an absolute path (the same key file on every node).");
        }

        return problems;
    }

    /// <summary>A clustered node needs the key named: each node's own data folder would hold its own key.</summary>
    public IReadOnlyList<string> ProblemsWhenClustered(bool clustered) =>
        clustered && string.IsNullOrWhiteSpace(PseudonymKeyFile)
            ? [$"{SectionName}:{nameof(PseudonymKeyFile)}: is required with Monitoring:Clustered (every node must read the same key, or one patient gets a pseudonym per node)."]
            : [];
}
