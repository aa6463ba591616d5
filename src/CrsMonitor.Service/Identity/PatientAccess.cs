using System.Data.Common;
using CrsMonitor.Service.Storage;

namespace CrsMonitor.Service.Identity;

/// <summary>
/// Unit scoping, server-side: a nurse or physician reaches a patient only while the patient has an in-progress
/// encounter on one of the units in their token. Integration clients write for any patient and read none.
/// </summary>
public static class PatientAccess
{
    public static bool IsIntegration(CurrentUser user) => user.Roles.Contains(Roles.Integration);

    public static bool IsClinician(CurrentUser user) => user.Roles.Contains(Roles.Nurse) || user.Roles.Contains(Roles.Physician);

    /// <summary>Whether a clinician may see or write this patient (false for anyone else).</summary>
    public static async Task<bool> ClinicianMayAccessAsync(DbConnection connection, CurrentUser user, string patientId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (!IsClinician(user) || user.Units.Count == 0)
        {
            return false;
        }

        var units = await PatientStore.UnitsOfPatientAsync(connection, patientId, ct).ConfigureAwait(false);
        return units.Any(user.Units.Contains);
    }

    public static bool MayAccessUnit(CurrentUser user, string unit)
    {
        ArgumentNullException.ThrowIfNull(user);
        return IsClinician(user) && user.Units.Contains(unit);
    }
}
