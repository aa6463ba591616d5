using CrsMonitor.Service.Hosting;

namespace CrsMonitor.Service.CheckIn;

/// <summary>Section <c>CheckIn</c>: the patient and caregiver check-in codes (issue 17).</summary>
public sealed record CheckInSettings
{
    public const string SectionName = "CheckIn";

    /// <summary>
    /// The longest a check-in code lasts (hours, 1-2160). A code expires at the end of the patient's last open
    /// monitoring window (its latest end), and never later than this after it was created. Default 336 (14 days).
    /// </summary>
    public int MaxCodeLifetimeHours { get; init; } = 336;

    /// <summary>How far back a medicine's time may be on the check-in page (hours, 1-168). Default 48.</summary>
    public int MedicineLookbackHours { get; init; } = 48;

    public static CheckInSettings FromConfiguration(IConfiguration configuration) =>
        SettingsBinding.Bind(configuration, SectionName, new CheckInSettings());

    /// <summary>Everything wrong with these settings, each naming its setting; empty when they can be used.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (MaxCodeLifetimeHours is < 1 or > 2160)
        {
            problems.Add($"{SectionName}:{nameof(MaxCodeLifetimeHours)}: {MaxCodeLifetimeHours} must be from 1 to 2160 (hours a check-in code may last at most).");
        }

        if (MedicineLookbackHours is < 1 or > 168)
        {
            problems.Add($"{SectionName}:{nameof(MedicineLookbackHours)}: {MedicineLookbackHours} must be from 1 to 168 (hours back a medicine's time may be).");
        }

        return problems;
    }
}
