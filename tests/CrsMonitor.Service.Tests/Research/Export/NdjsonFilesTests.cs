using CrsMonitor.Service.Research.Export;

namespace CrsMonitor.Service.Tests.Research.Export;

/// <summary>What the content built, turned into the files of an export: names, counts, text, and every breach of the NDJSON contract refused.</summary>
public sealed class NdjsonFilesTests
{
    private static readonly ExportScope Scope = new(new HashSet<string>(["AdverseEvent", "Observation"], StringComparer.Ordinal), new DateTimeOffset(2025, 3, 1, 8, 0, 0, TimeSpan.Zero));

    [Test]
    public void Files_AreNamedPerType_InOrder_EachLineEndedByALineFeed_EmptyFilesLeftOut()
    {
        var named = NdjsonFiles.Prepare(
        [
            new ExportFile("Observation", ["""{"resourceType":"Observation","id":"1"}"""]),
            new ExportFile("AdverseEvent", []),
            new ExportFile("AdverseEvent", ["""{"resourceType":"AdverseEvent","id":"a"}""", """{"resourceType":"AdverseEvent","id":"é"}"""]),
            new ExportFile("Observation", ["""{ "resourceType" : "Observation", "id" : "2" }"""]),
        ], Scope);
        Assert.That(named, Is.EqualTo(new[]
        {
            new NamedExportFile("Observation-1.ndjson", "Observation", 1, "{\"resourceType\":\"Observation\",\"id\":\"1\"}\n"),
            new NamedExportFile("AdverseEvent-1.ndjson", "AdverseEvent", 2, "{\"resourceType\":\"AdverseEvent\",\"id\":\"a\"}\n{\"resourceType\":\"AdverseEvent\",\"id\":\"é\"}\n"),
            new NamedExportFile("Observation-2.ndjson", "Observation", 1, "{ \"resourceType\" : \"Observation\", \"id\" : \"2\" }\n"),
        }));
    }

    [TestCase("", "line 1, is empty")]
    [TestCase("   ", "line 1, is empty")]
    [TestCase("{\"resourceType\":\"Observation\"}\r", "line 1, holds a line break")]
    [TestCase("{\"resourceType\":\"Observation\",\"note\":\"a\nb\"}", "line 1, holds a line break")]
    [TestCase("{\"resourceType\":\"Observation\",\"x\":\"\0\"}", "line 1, holds a line break or NUL")]
    [TestCase("[1,2]", "line 1, is not a Observation resource")]
    [TestCase("{\"id\":\"1\"}", "line 1, is not a Observation resource")]
    [TestCase("{\"resourceType\":\"AdverseEvent\"}", "line 1, is not a Observation resource")]
    [TestCase("{\"resourceType\":\"Observation\"", "line 1, is not JSON")]
    [TestCase("{\"resourceType\":\"Observation\"} {}", "line 1, is not JSON")]
    public void ALineThatIsNotOneResourceOfItsFilesType_IsRefused_NamingTheFileAndLine(string line, string named)
    {
        var error = Assert.Throws<ExportContentException>(() => NdjsonFiles.Prepare([new ExportFile("Observation", [line])], Scope));
        Assert.That(error!.Message, Does.Contain("Observation file, " + named.Split(", ")[0]).And.Contain(named.Split(", ")[1]));
    }

    [Test]
    public void ALoneSurrogate_IsRefused()
    {
        // Built here: a lone surrogate does not survive a test case attribute (metadata strings are UTF-8).
        var line = "{\"resourceType\":\"Observation\",\"x\":\"" + '\ud800' + "\"}";
        var error = Assert.Throws<ExportContentException>(() => NdjsonFiles.Prepare([new ExportFile("Observation", [line])], Scope));
        Assert.That(error!.Message, Does.Contain("line 1, holds an unpaired surrogate"));
    }

    [Test]
    public void ALaterLine_IsNamedByItsNumber()
    {
        var error = Assert.Throws<ExportContentException>(() => NdjsonFiles.Prepare(
            [new ExportFile("Observation", ["""{"resourceType":"Observation"}""", """{"resourceType":"Observation"}""", "oops"])], Scope));
        Assert.That(error!.Message, Does.Contain("line 3"));
    }

    [TestCase("Patient")]
    [TestCase("MedicationAdministration")]
    public void AFileOfATypeNotAskedFor_IsRefused(string type)
    {
        var error = Assert.Throws<ExportContentException>(() => NdjsonFiles.Prepare([new ExportFile(type, [])], Scope));
        Assert.That(error!.Message, Does.Contain($"'{type}'").And.Contain("did not ask for"));
    }

    [Test]
    public void ATypeAskedForThatIsNoResourceTypeName_IsRefused()
    {
        var scope = Scope with { Types = new HashSet<string>(["../x"], StringComparer.Ordinal) };
        Assert.That(() => NdjsonFiles.Prepare([new ExportFile("../x", ["{}"])], scope), Throws.InstanceOf<ExportContentException>().With.Message.Contains("not a FHIR resource type name"));
    }

    [TestCase("AdverseEvent-1.ndjson", true)]
    [TestCase("Observation-12.ndjson", true)]
    [TestCase("Observation-1.json", false)]
    [TestCase(".ndjson", false)]
    [TestCase("../Observation-1.ndjson", false)]
    [TestCase("Observation 1.ndjson", false)]
    public void FileNames_AreOnlyWhatThisServiceNames(string name, bool isName) =>
        Assert.That(NdjsonFiles.IsFileName(name), Is.EqualTo(isName));
}
