namespace CrsMonitor.Service.Ingest;

/// <summary>
/// The <c>home-check-in</c> Questionnaire (schemas/fhir/Questionnaire-home-check-in.json, issue 17): the symptoms a
/// patient or caregiver reports from home, each a boolean item. Every item is a neuro symptom: one reported raises
/// <c>assess-ice-now</c>, never an ICANS grade (ICE is a clinician's assessment).
/// </summary>
public static class HomeCheckIn
{
    public const string Url = "https://crsmonitor.org/fhir/Questionnaire/home-check-in";

    /// <summary>The items (linkId) and the plain words the check-in page and the alert use.</summary>
    public static readonly IReadOnlyList<(string LinkId, string Text)> Symptoms =
    [
        ("confusion", "confusion"),
        ("word-finding", "difficulty finding words"),
        ("tremor-handwriting", "new tremor or change in handwriting"),
        ("sleepiness", "unusual sleepiness"),
        ("seizure", "seizure"),
    ];

    public static bool Is(string? questionnaire) => questionnaire?.Split('|')[0] == Url;

    public static string? TextOf(string linkId) => Symptoms.FirstOrDefault(s => s.LinkId == linkId).Text;
}
