using CrsMonitor.Service.Hosting;

namespace CrsMonitor.Service.Research.SiteView;

/// <summary>Section <c>SiteView</c>: how the site view follows each dose.</summary>
public sealed record SiteViewSettings
{
    public const string SectionName = "SiteView";

    /// <summary>
    /// How long after the start of an infusion a dose is followed (hours, 1-8760): a dose without an episode by then is
    /// censored there. Default 360 (15 days): the label's range of CRS onset for tarlatamab ends at 15 days.
    /// </summary>
    public int HorizonHours { get; init; } = 360;

    public static SiteViewSettings FromConfiguration(IConfiguration configuration) =>
        SettingsBinding.Bind(configuration, SectionName, new SiteViewSettings());

    /// <summary>Everything wrong with these settings, each naming its setting; empty when they can be used.</summary>
    public IReadOnlyList<string> Problems() =>
        HorizonHours is < 1 or > 8760
            ? [$"{SectionName}:{nameof(HorizonHours)}: {HorizonHours} must be from 1 to 8760 (hours after the start of an infusion)."]
            : [];
}
