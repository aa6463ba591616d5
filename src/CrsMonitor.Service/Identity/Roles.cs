namespace CrsMonitor.Service.Identity;

/// <summary>The roles a token can carry (claim <c>Identity:RoleClaim</c>, default <c>role</c>).</summary>
public static class Roles
{
    public const string Nurse = "nurse";
    public const string Physician = "physician";

    /// <summary>An EHR or interface engine: writes FHIR and nothing else; tokens live at most 5 minutes.</summary>
    public const string Integration = "integration";

    /// <summary>Manages protocols and settings; sees no patients.</summary>
    public const string Admin = "admin";

    /// <summary>Reads de-identified research data only (the Bulk Data export, the episode CSV, the site view); sees no
    /// identified patient data anywhere, whatever else the token carries.</summary>
    public const string Researcher = "researcher";

    /// <summary>
    /// The writer of a patient's home check-in (issue 17): not a token role (no token carries it to any effect); the
    /// check-in endpoint makes this user after verifying a code, and it writes FHIR for that code's patient only.
    /// </summary>
    public const string CheckIn = "checkin";

    public static IReadOnlyList<string> All { get; } = [Nurse, Physician, Integration, Admin, Researcher];
}

/// <summary>Authorization policy names.</summary>
public static class Policies
{
    /// <summary>
    /// Nurses and physicians: the what-if calculator and the patient views. Least privilege: integration clients
    /// only write FHIR, and an administrator manages protocols and settings; neither grades patients, so both get 403.
    /// </summary>
    public const string ClinicalStaff = "clinical-staff";

    /// <summary>The researcher role alone: the de-identified exports (Bulk Data <c>$export</c>, the episode CSV).</summary>
    public const string Research = "research";

    /// <summary>Physicians and researchers: the site view (aggregate incidence across the site's patients, no identifiers).</summary>
    public const string SiteView = "site-view";
}
