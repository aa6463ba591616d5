namespace CrsMonitor.Service.Monitoring.Protocols;

/// <summary>
/// The one vocabulary of where a patient is monitored (a protocol window's <c>setting</c>, <c>monitoring_window.setting</c>,
/// the status and census): the words, what each implies, and which are outpatient (issue 17).
/// <list type="table">
/// <item><term>inpatient</term><description>admitted; the protocol's nurse checks</description></item>
/// <item><term>observed</term><description>an appropriate healthcare setting (the label's words); the protocol's nurse checks</description></item>
/// <item><term>observation-clinic</term><description>an outpatient observation or immediate-care clinic with nurses; the protocol's nurse checks</description></item>
/// <item><term>proximity</term><description>near the setting (within <c>maxTravelMinutes</c>), usually with a caregiver; no checks</description></item>
/// <item><term>home</term><description>at home: the protocol's <c>checks.home</c> schedule when it has one, else no nurse checks
/// (wearable streams and the caregiver check-in stand in for them); a caregiver is recorded</description></item>
/// </list>
/// </summary>
public static class MonitoringSettingKind
{
    public const string Inpatient = "inpatient";
    public const string Observed = "observed";
    public const string ObservationClinic = "observation-clinic";
    public const string Proximity = "proximity";
    public const string Home = "home";

    /// <summary>Every word, in the order the schema lists them.</summary>
    public static IReadOnlyList<string> All { get; } = [Inpatient, Observed, ObservationClinic, Proximity, Home];

    /// <summary>The settings a physician moves a patient between (<c>POST /api/patients/{id}/setting</c>).</summary>
    public static IReadOnlyList<string> MoveTargets { get; } = [Inpatient, Home];

    public static string Word(WindowSetting setting) => setting switch
    {
        WindowSetting.Inpatient => Inpatient,
        WindowSetting.Observed => Observed,
        WindowSetting.ObservationClinic => ObservationClinic,
        WindowSetting.Proximity => Proximity,
        WindowSetting.Home => Home,
        _ => throw new ArgumentOutOfRangeException(nameof(setting), setting, "not a window setting"),
    };

    public static WindowSetting? Parse(string? word) => word switch
    {
        Inpatient => WindowSetting.Inpatient,
        Observed => WindowSetting.Observed,
        ObservationClinic => WindowSetting.ObservationClinic,
        Proximity => WindowSetting.Proximity,
        Home => WindowSetting.Home,
        _ => null,
    };

    /// <summary>Outpatient: home, observation clinic or proximity (the patient is not admitted).</summary>
    public static bool IsOutpatient(WindowSetting setting) => setting is WindowSetting.Home or WindowSetting.ObservationClinic or WindowSetting.Proximity;

    /// <summary>Outpatient, by word; an unknown word is not outpatient.</summary>
    public static bool IsOutpatient(string? word) => Parse(word) is { } setting && IsOutpatient(setting);

    /// <summary>Where nurses do the protocol's checks (the <c>checks</c> schedule): inpatient, observed, observation clinic.</summary>
    public static bool HasNurseChecks(WindowSetting setting) => setting is WindowSetting.Inpatient or WindowSetting.Observed or WindowSetting.ObservationClinic;

    /// <summary>Where a window may require a caregiver (no staff present): proximity and home.</summary>
    public static bool MayRequireCaregiver(WindowSetting setting) => setting is WindowSetting.Proximity or WindowSetting.Home;

    /// <summary>Where a window may carry a travel limit: proximity (required) and home (optional).</summary>
    public static bool MayLimitTravel(WindowSetting setting) => setting is WindowSetting.Proximity or WindowSetting.Home;
}
