using System.Text.Json.Nodes;
using CrsMonitor.Service.Hosting;
using CrsMonitor.Service.Monitoring.Protocols;

namespace CrsMonitor.Service.Tests.Monitoring.Protocols;

/// <summary>
/// A broken protocol file is refused with a line naming the file, the JSON path of the field and the problem: by the
/// schema (shape, types, unknown fields, enumerations), by the rules a schema cannot say (codes, references, ranges)
/// and across files (one version and one effective date per drug and jurisdiction).
/// </summary>
public sealed class ProtocolValidationTests
{
    private ProtocolFolder folder = null!;

    [SetUp]
    public void CopyShipped() => folder = new ProtocolFolder();

    [TearDown]
    public void Delete() => folder.Dispose();

    public sealed record Mutation(string Name, Action<JsonObject> Change, string Path, string[] Words)
    {
        public override string ToString() => Name;
    }

    private static JsonObject Obj(JsonNode? node) => node!.AsObject();

    private static IEnumerable<TestCaseData> Mutations()
    {
        Mutation[] table =
        [
            // The schema: shape, types, unknown fields, allowed words.
            new("missing drug", p => p.Remove("drug"), "$.drug", ["is missing"]),
            new("missing window maxHours", p => Obj(p["windows"]![0]).Remove("maxHours"), "$.windows[0].maxHours", ["is missing"]),
            new("wrong type: minHours as text", p => p["windows"]![0]!["minHours"] = "22", "$.windows[0].minHours", ["is a string but must be number"]),
            new("wrong type: days not an array", p => p["doses"]![0]!["days"] = 1, "$.doses[0].days", ["is a number but must be array"]),
            new("unknown field", p => p["windows"]![1]!["colour"] = "red", "$.windows[1].colour", ["is not a known field"]),
            new("unknown top-level field (typo)", p => p["effectivFrom"] = "2025-11-01", "$.effectivFrom", ["is not a known field"]),
            new("doses on an extended window", p => p["extendedMonitoring"]!["windows"]![0]!["doses"] = new JsonArray("c1d1"),
                "$.extendedMonitoring.windows[0].doses", ["is not a known field"]),
            new("unknown anchor", p => p["windows"]![0]!["anchor"] = "middle", "$.windows[0].anchor", ["'middle' is not one of: start, end"]),
            new("unknown trigger", p => p["checks"]!["intensification"]!["triggers"]![0]!["on"] = "fever",
                "$.checks.intensification.triggers[0].on", ["'fever'", "crs, icans, neurologic-toxicity, ice-drop"]),
            new("unknown basis", p => p["doses"]![2]!["basis"] = "guess", "$.doses[2].basis", ["'guess' is not one of"]),
            new("appliesTo other than next-dose", p => p["extendedMonitoring"]!["appliesTo"] = "all-doses", "$.extendedMonitoring.appliesTo", ["'all-doses' must be \"next-dose\""]),
            new("impossible date", p => p["effectiveFrom"] = "2025-02-30", "$.effectiveFrom", ["'2025-02-30' is not a valid date"]),
            new("jurisdiction in lower case", p => p["jurisdiction"] = "us", "$.jurisdiction", ["'us' does not match the pattern"]),
            new("wrong type in an array", p => p["notes"]![0] = 1, "$.notes[0]", ["is a number but must be string"]),
            new("empty title", p => p["title"] = "", "$.title", ["must not be empty"]),
            new("extended monitoring not an object", p => p["extendedMonitoring"] = "no", "$.extendedMonitoring", ["is a string but must be object or null"]),
            new("negative hours", p => p["windows"]![2]!["maxHours"] = -1, "$.windows[2].maxHours", ["minimum"]),
            new("zero amount", p => p["doses"]![0]!["amount"] = 0, "$.doses[0].amount", ["exclusiveMinimum"]),
            new("management grade 5", p => p["management"]![3]!["grade"] = 5, "$.management[3].grade", ["maximum"]),

            // The rules: codes against drug-map.json and the medication CodeSystem.
            new("unknown drug key", p => p["drug"]!["key"] = "aspirin", "$.drug.key", ["'aspirin' is not a drug of drug-map.json", "tarlatamab"]),
            new("drug key that is no protocol drug", p => p["drug"]!["key"] = "dexamethasone", "$.drug.key", ["corticosteroid", "not a protocol-drug"]),
            new("unknown crsmonitor code", p => p["drug"]!["codes"]!["crsmonitor"] = "tarlatamabb", "$.drug.codes.crsmonitor",
                ["'tarlatamabb' is not a code of CodeSystem-medication.json"]),
            new("crsmonitor code of another drug", p => p["drug"]!["codes"]!["crsmonitor"] = "teclistamab", "$.drug.codes.crsmonitor",
                ["mapped to 'teclistamab'", "not to 'tarlatamab'"]),
            new("RxNorm code not in the drug map", p => p["drug"]!["codes"]!["rxnorm"] = "999999", "$.drug.codes.rxnorm", ["RxNorm 999999 is not in drug-map.json"]),
            new("RxNorm code of another drug", p => p["drug"]!["codes"]!["rxnorm"] = "3264", "$.drug.codes.rxnorm", ["mapped to 'dexamethasone'"]),

            // The rules: ranges and references inside the file.
            new("minHours above maxHours", p => p["windows"]![0]!["minHours"] = 30, "$.windows[0].minHours", ["30 is above maxHours 24"]),
            new("extended window minHours above maxHours", p => p["extendedMonitoring"]!["windows"]![0]!["minHours"] = 25,
                "$.extendedMonitoring.windows[0].minHours", ["25 is above maxHours 24"]),
            new("window naming a missing dose", p => p["windows"]![0]!["doses"]![1] = "c1d9", "$.windows[0].doses[1]", ["'c1d9' is not the id of a dose"]),
            new("window following a missing window", p => p["windows"]![1]!["after"] = "c1-observd", "$.windows[1].after", ["'c1-observd' is not the id of another window"]),
            new("window following a window of other doses", p => p["windows"]![1]!["after"] = "c1d15-observed", "$.windows[1].after", ["does not cover dose 'c1d1'"]),
            new("proximity window ending before the window it follows", p => p["windows"]![1]!["minHours"] = 20, "$.windows[1].minHours", ["ends before window 'c1-observed'"]),
            new("proximity window following nothing", p => p["windows"]![1]!["after"] = null, "$.windows[1].after", ["must follow another window"]),
            new("travel limit on an observed window", p => p["windows"]![0]!["maxTravelMinutes"] = 60, "$.windows[0].maxTravelMinutes", ["only a proximity or home window"]),
            new("duplicate window id", p => p["windows"]![3]!["id"] = "c1d15-observed", "$.windows[3].id", ["also the id of $.windows[2]"]),
            new("duplicate dose id", p => p["doses"]![1]!["id"] = "c1d1", "$.doses[1].id", ["'c1d1' is also the id of doses[0]"]),
            new("cycles from after to", p => p["doses"]![4]!["cycles"]!["from"] = 5, "$.doses[4].cycles", ["from 5 is after to 4"]),
            new("two doses on one day", p => p["doses"]![5]!["cycles"]!["from"] = 4, "$.doses[5].days", ["day 1 of C4 and later is also covered by doses[4]"]),
            new("day after the end of the cycle", p => p["doses"]![3]!["days"]![1] = 29, "$.doses[3].days", ["day 29", "28-day cycle"]),
            new("step-up numbering", p => p["doses"]![0]!["stepUpIndex"] = 2, "$.doses[0].stepUpIndex", ["expected 1"]),
            new("grace not shorter than a check interval", p => p["checks"]!["overdueGraceMinutes"] = 30, "$.checks.overdueGraceMinutes", ["30 is not shorter than", "everyMinutes (30)"]),
            new("open-ended intensification step before the last", p => p["checks"]!["intensification"]!["steps"]![0]!["forMinutes"] = null,
                "$.checks.intensification.steps[0].forMinutes", ["only the last step"]),
            new("ICE drop with a grade", p => p["checks"]!["intensification"]!["triggers"]![2]!["minGrade"] = 1,
                "$.checks.intensification.triggers[2].minGrade", ["an ice-drop trigger has no grade"]),
            new("toxicity trigger without a grade", p => Obj(p["extendedMonitoring"]!["triggers"]![0]).Remove("minGrade"),
                "$.extendedMonitoring.triggers[0].minGrade", ["is missing"]),
            new("premedication of an unknown drug", p => p["premedications"]!["items"]![0]!["drugKey"] = "dexamethazone",
                "$.premedications.items[0].drugKey", ["'dexamethazone' is not a drug of drug-map.json"]),
            new("premedication for a missing dose", p => p["premedications"]!["items"]![1]!["doses"]![1] = "c1d9",
                "$.premedications.items[1].doses[1]", ["'c1d9' is not the id of a dose"]),
            new("premedication from after to", p => p["premedications"]!["items"]![0]!["timing"]!["fromMinutes"] = 10,
                "$.premedications.items[0].timing.fromMinutes", ["10 is after toMinutes 0"]),
            new("no premedication although transcribed", p => p["premedications"]!["items"] = new JsonArray(), "$.premedications.items", ["label-not-transcribed"]),
            new("management grade missing", p => p["management"]!.AsArray().RemoveAt(3), "$.management", ["has no text for CRS grade 4"]),
            new("management grade twice", p => p["management"]![3]!["grade"] = 3, "$.management[3].grade", ["CRS grade 3 is also given by management[2]"]),
            new("id other than the file name", p => p["id"] = "tarlatamab-us-2026-01", "$.id", ["must be the file name", "tarlatamab-us-2026-01.json"]),
        ];
        return table.Select(m => new TestCaseData(m).SetName($"Refused_{m.Name.Replace(' ', '_').Replace(":", string.Empty, StringComparison.Ordinal)}"));
    }

    [TestCaseSource(nameof(Mutations))]
    public void BrokenFile_IsRefusedNamingFilePathAndProblem(Mutation mutation)
    {
        ArgumentNullException.ThrowIfNull(mutation);
        folder.Edit(ProtocolFolder.Tarlatamab, mutation.Change);
        folder.Refused(folder.FileOf(ProtocolFolder.Tarlatamab), mutation.Path, mutation.Words);
    }

    [Test]
    public void NotJson_IsRefused()
    {
        folder.WriteText(ProtocolFolder.Tarlatamab, "{ \"id\": ");
        folder.Refused(folder.FileOf(ProtocolFolder.Tarlatamab), "$", "is not valid JSON");
    }

    [Test]
    public void DuplicateProperty_IsRefused()
    {
        var text = File.ReadAllText(folder.FileOf(ProtocolFolder.Tarlatamab));
        folder.WriteText(ProtocolFolder.Tarlatamab, text.Replace("\"version\": \"2025-11\",", "\"version\": \"2025-11\", \"version\": \"2026-01\",", StringComparison.Ordinal));
        folder.Refused(folder.FileOf(ProtocolFolder.Tarlatamab), "$", "is not valid JSON", "version");
    }

    [Test]
    public void DuplicateVersion_IsRefused()
    {
        var copy = folder.AddVersion(ProtocolFolder.Tarlatamab, "tarlatamab-us-copy", p => p["effectiveFrom"] = "2026-02-01");
        folder.Refused(copy, "$.version", "'2025-11' of tarlatamab (US) is also the version of tarlatamab-us-2025-11.json");
    }

    [Test]
    public void DuplicateEffectiveDate_IsRefused()
    {
        var copy = folder.AddVersion(ProtocolFolder.Tarlatamab, "tarlatamab-us-2025-11b", p => p["version"] = "2025-11b");
        folder.Refused(copy, "$.effectiveFrom", "2025-11-01 is also the effective date of tarlatamab-us-2025-11.json", "ambiguous");
    }

    [Test]
    public void SameVersionInAnotherJurisdiction_IsAccepted()
    {
        folder.AddVersion(ProtocolFolder.Tarlatamab, "tarlatamab-ca-2025-11", p => p["jurisdiction"] = "CA");
        Assert.That(folder.Catalog().ApplicableTo("tarlatamab", new DateOnly(2026, 1, 1), "CA")!.Id, Is.EqualTo("tarlatamab-ca-2025-11"));
    }

    [Test]
    public void EveryProblemOfEveryFile_IsReportedAtOnce()
    {
        folder.Edit(ProtocolFolder.Tarlatamab, p =>
        {
            p["windows"]![0]!["minHours"] = 30;
            p["windows"]![2]!["doses"]![0] = "nothing";
        });
        folder.Edit("glofitamab-us-2025-11", p => p.Remove("checks"));
        var message = folder.Refused(folder.FileOf(ProtocolFolder.Tarlatamab), "$.windows[0].minHours", "is above maxHours");
        Assert.That(message, Does.StartWith("3 problems in the protocol files:"));
        Assert.That(message, Does.Contain($"Protocol file {folder.FileOf(ProtocolFolder.Tarlatamab)}: $.windows[2].doses[0]: 'nothing' is not the id of a dose"));
        Assert.That(message, Does.Contain($"Protocol file {folder.FileOf("glofitamab-us-2025-11")}: $.checks: is missing"));
    }

    [Test]
    public void EmptyFolder_IsRefused()
    {
        foreach (var file in Directory.GetFiles(folder.Path))
        {
            File.Delete(file);
        }

        var e = Assert.Throws<StartupConfigurationException>(() => folder.Load())!;
        Assert.That(e.Message, Does.Contain(folder.Path).And.Contain("has no protocol files"));
    }

    [Test]
    public void MissingFolder_IsRefusedNamingTheSetting()
    {
        var e = Assert.Throws<StartupConfigurationException>(() => ProtocolLoader.Load(Path.Combine(folder.Path, "nope"), ProtocolFolder.DrugData))!;
        Assert.That(e.Message, Does.Contain("does not exist").And.Contain("Protocols:Directory"));
    }

    [Test]
    public void OtherFilesThanJson_AreIgnored()
    {
        File.WriteAllText(Path.Combine(folder.Path, "README.md"), "# notes");
        Assert.That(folder.Load(), Has.Count.EqualTo(5));
    }
}
