namespace CrsMonitor.Service.Tests.Fhir;

/// <summary>
/// The public example files of <c>../shared/fhir-examples/</c> (beside the repository; their README says what each
/// holds): real-world input nobody here wrote. A missing folder fails the test that needs it, never skips it.
/// </summary>
public static class PublicExamples
{
    /// <summary>The patient the sixteen R4 vital-sign examples name (<c>Patient/example</c>).</summary>
    public const string VitalSignSubject = "example";

    /// <summary>The folder, found from the test's output folder up to the repository (the folder holding CrsMonitor.sln).</summary>
    public static string Folder
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "CrsMonitor.sln")))
                {
                    var folder = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "fhir-examples"));
                    Assert.That(Directory.Exists(folder), Is.True, $"the public FHIR examples are expected at {folder} (beside the repository)");
                    return folder;
                }
            }

            Assert.Fail($"no CrsMonitor.sln above {AppContext.BaseDirectory}");
            return string.Empty;
        }
    }

    /// <summary>One of the sixteen FHIR R4 vital-sign examples by file name without <c>.json</c>, verbatim.</summary>
    public static string VitalSign(string name) => File.ReadAllText(Path.Combine(Folder, "hl7-r4-vital-signs", name + ".json"));
}
