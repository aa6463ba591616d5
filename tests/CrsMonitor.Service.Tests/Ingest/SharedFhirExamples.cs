using System.Text.Json.Nodes;
using CrsMonitor.Service.Tests.Alerts;

namespace CrsMonitor.Service.Tests.Ingest;

/// <summary>
/// The public FHIR examples of <c>shared/fhir-examples</c> (README there), read from the folder beside the repository
/// (<c>../shared/fhir-examples</c> from the folder of CrsMonitor.sln, as every worktree and the CI clone sit): the
/// sixteen FHIR R4 vital-sign examples (HL7, CC0) and the Synthea transaction Bundles (Apache-2.0). A missing folder
/// fails the test that needs it, naming the path: these tests must never pass by finding nothing.
/// </summary>
public static class SharedFhirExamples
{
    /// <summary>The patient the sixteen R4 vital-sign examples name (<c>Patient/example</c>).</summary>
    public const string R4VitalSignSubject = "example";

    public static string Folder => Path.GetFullPath(Path.Combine(AlertSchema.RepositoryRoot(), "..", "shared", "fhir-examples"));

    /// <summary>The file names of hl7-r4-vital-signs/ (sixteen), in name order.</summary>
    public static IReadOnlyList<string> R4VitalSignNames => Files("hl7-r4-vital-signs");

    public static string R4VitalSign(string name) => File.ReadAllText(Path.Combine(Folder, "hl7-r4-vital-signs", name));

    /// <summary>The file names of synthea/ (transaction Bundles), in name order.</summary>
    public static IReadOnlyList<string> SyntheaNames => Files("synthea");

    public static JsonObject SyntheaBundle(string name) => JsonNode.Parse(File.ReadAllText(Path.Combine(Folder, "synthea", name)))!.AsObject();

    private static string[] Files(string folder)
    {
        var path = Path.Combine(Folder, folder);
        if (!Directory.Exists(path))
        {
            throw new DirectoryNotFoundException($"the public FHIR examples are expected in {path} (shared/fhir-examples beside the repository)");
        }

        return [.. Directory.GetFiles(path, "*.json").Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal)];
    }
}
