using System.Data.Common;
using CrsMonitor.Service.Storage;

namespace CrsMonitor.Service.Identity;

/// <summary>What a request does with a patient's data; <see cref="PatientAccess"/> decides whether it may.</summary>
public enum PatientDataUse
{
    /// <summary>Read a patient's data (FHIR read, vread, search, a resend's stored body, status, alerts, monitoring).</summary>
    Read,

    /// <summary>A clinician's action on a patient (neuro check, window, dose correction, acknowledgement).</summary>
    ClinicianAction,

    /// <summary>Write FHIR data about a patient (the EHR feed, or a clinician posting vitals or a neuro check).</summary>
    FeedWrite,
}

/// <summary>
/// The one authorization decision on patient data, used by every path (reliability-security.md, README "Security"):
/// a nurse or physician reaches a patient only while the patient has an in-progress encounter on one of the units in
/// their token; an integration client writes for any patient and reads none; an administrator touches no patient
/// data, and a researcher sees only de-identified exports. A token that carries the integration, admin or researcher
/// role is never given patient data, whatever else it carries.
/// </summary>
public static class PatientAccess
{
    public static bool IsIntegration(CurrentUser user) => user.Roles.Contains(Roles.Integration);

    public static bool IsClinician(CurrentUser user) => user.Roles.Contains(Roles.Nurse) || user.Roles.Contains(Roles.Physician);

    /// <summary>Whether <paramref name="user"/> may <paramref name="use"/> the data of every patient in <paramref name="patientIds"/>.</summary>
    public static async Task<bool> AllowsAsync(DbConnection connection, CurrentUser user, PatientDataUse use, IEnumerable<string> patientIds, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(patientIds);
        if (user.CheckInPatientId is { } own)
        {
            // A check-in code writes its own patient's check-in and nothing else; it reads nothing.
            return use == PatientDataUse.FeedWrite && patientIds.All(p => p == own);
        }

        if (SeesNoPatient(user))
        {
            return false;
        }

        if (IsIntegration(user))
        {
            return use == PatientDataUse.FeedWrite;
        }

        if (!IsClinician(user) || user.Units.Count == 0)
        {
            return false;
        }

        foreach (var patientId in patientIds.Distinct(StringComparer.Ordinal))
        {
            var units = await PatientStore.UnitsOfPatientAsync(connection, patientId, ct).ConfigureAwait(false);
            if (!units.Any(user.Units.Contains))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary><see cref="AllowsAsync(DbConnection, CurrentUser, PatientDataUse, IEnumerable{string}, CancellationToken)"/> for one patient.</summary>
    public static Task<bool> AllowsAsync(DbConnection connection, CurrentUser user, PatientDataUse use, string patientId, CancellationToken ct) =>
        AllowsAsync(connection, user, use, [patientId], ct);

    /// <summary>Whether <paramref name="user"/> may see a unit's census and alert feed (clinicians of that unit only).</summary>
    public static bool MayAccessUnit(CurrentUser user, string unit)
    {
        ArgumentNullException.ThrowIfNull(user);
        return !SeesNoPatient(user) && !IsIntegration(user) && IsClinician(user) && user.Units.Contains(unit);
    }

    /// <summary>An administrator or a researcher: no identified patient data anywhere, whatever else the token carries.</summary>
    private static bool SeesNoPatient(CurrentUser user) => user.Roles.Contains(Roles.Admin) || user.Roles.Contains(Roles.Researcher);
}
