using System.Data.Common;
using CrsMonitor.Service.Identity;
using CrsMonitor.Service.Storage;

namespace CrsMonitor.Service.Alerts;

/// <summary>
/// The one rule for the unit an alert is on (its hub group, feed and access): the first, in ordinal order, of the
/// units of the patient's in-progress encounters; <see cref="Unassigned"/> while the patient has none. Raising uses it,
/// and so does moving open alerts when an admission or transfer changes it (<see cref="AlertFollower"/>).
/// </summary>
public static class AlertUnit
{
    /// <summary>The unit of an alert raised while its patient is on no unit: no dashboard is sent it, nobody is escalated to.</summary>
    public const string Unassigned = "unassigned";

    /// <summary>The unit the patient's alerts belong on now (inside the caller's transaction).</summary>
    public static async Task<string> OfPatientAsync(DbConnection c, string patientId, CancellationToken ct) =>
        Of(await PatientStore.UnitsOfPatientAsync(c, patientId, ct).ConfigureAwait(false));

    /// <summary>The unit of a patient whose in-progress encounters are on <paramref name="units"/>.</summary>
    public static string Of(IEnumerable<string> units) => units.Order(StringComparer.Ordinal).FirstOrDefault() ?? Unassigned;

    /// <summary>Whether someone can see an alert on <paramref name="unit"/> (every unit but <see cref="Unassigned"/>).</summary>
    public static bool IsSeen(string unit) => !string.Equals(unit, Unassigned, StringComparison.Ordinal);

    /// <summary>
    /// Whether <paramref name="user"/> may see the alerts of <paramref name="unit"/> (its feed, hub group and alerts):
    /// a clinician of that unit, and never <see cref="Unassigned"/>, even for a token that names it as a unit.
    /// </summary>
    public static bool MayBeSeenBy(CurrentUser user, string unit) => IsSeen(unit) && PatientAccess.MayAccessUnit(user, unit);

    /// <summary>
    /// When an alert on <paramref name="unit"/> that starts at tier 0 at <paramref name="from"/> (raised, re-armed or
    /// moved) escalates first: never on <see cref="Unassigned"/> (no tiers to nobody).
    /// </summary>
    public static DateTimeOffset? FirstEscalation(AlertSettings settings, string unit, DateTimeOffset from)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return IsSeen(unit) ? settings.NextEscalation(from, 0) : null;
    }
}
