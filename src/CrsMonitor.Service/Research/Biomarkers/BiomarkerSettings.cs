using CrsMonitor.Service.Hosting;

namespace CrsMonitor.Service.Research.Biomarkers;

/// <summary>
/// Section <c>Biomarkers</c>: how old a laboratory result may be and still be an input of a research score (EASIX,
/// m-EASIX). An older input means no score, never a carried-forward one.
/// </summary>
public sealed record BiomarkerSettings
{
    public const string SectionName = "Biomarkers";

    /// <summary>A score over time takes each input's latest result at most this many hours before the instant (1-168).</summary>
    public int ScoreInputMaxAgeHours { get; init; } = 24;

    /// <summary>A pre-dose score takes each input's latest result at most this many hours before the infusion start (1-336).</summary>
    public int PreDoseLookbackHours { get; init; } = 72;

    public static BiomarkerSettings FromConfiguration(IConfiguration configuration) =>
        SettingsBinding.Bind(configuration, SectionName, new BiomarkerSettings());

    /// <summary>Everything wrong with these settings, each naming its setting; empty when they can be used.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (ScoreInputMaxAgeHours is < 1 or > 168)
        {
            problems.Add($"{SectionName}:{nameof(ScoreInputMaxAgeHours)}: {ScoreInputMaxAgeHours} must be from 1 to 168 (hours).");
        }

        if (PreDoseLookbackHours is < 1 or > 336)
        {
            problems.Add($"{SectionName}:{nameof(PreDoseLookbackHours)}: {PreDoseLookbackHours} must be from 1 to 336 (hours).");
        }

        return problems;
    }
}
