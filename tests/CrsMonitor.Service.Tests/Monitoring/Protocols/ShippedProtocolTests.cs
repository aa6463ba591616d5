using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CrsMonitor.Service.Assessment;
using CrsMonitor.Service.Monitoring.Protocols;
using Json.Schema;

namespace CrsMonitor.Service.Tests.Monitoring.Protocols;

/// <summary>
/// The protocol files shipped in schemas/protocols load and validate, and the tarlatamab windows of the P vignettes
/// (vignettes.md P01–P05, P07) can be read off them through <see cref="ProtocolCatalog"/>.
/// </summary>
public sealed class ShippedProtocolTests
{
    private static readonly DateOnly Dose = new(2026, 1, 15);

    /// <summary>
    /// The SHA-256 (LF line endings) of every published protocol file. A published file is never edited: a change is a
    /// new file with a later effectiveFrom (schemas/protocols/README.md). Add a line here for each new file.
    /// </summary>
    private static readonly Dictionary<string, string> Published = new(StringComparer.Ordinal)
    {
        ["tarlatamab-us-2025-11.json"] = "c0dccd8078906bee59f9956027f7499c05a92d8b1a15e0bb786cfe21005c7ab3",
        ["teclistamab-us-2025-11.json"] = "932286697abc54f441d7457bdc9bc05fd9ced4c47fd554216811a35f382564b4",
        ["elranatamab-us-2025-11.json"] = "6ab5c3242317f834965ecf3e7205f24b7d82c81393d9e6f1e0420cdb06cd5045",
        ["epcoritamab-us-2025-11.json"] = "63a441692c7f46cf87b09b89f35a17b7d855887ce9e14022a4b629ebaafc7473",
        ["glofitamab-us-2025-11.json"] = "65ecbcb3fd7e63d845a08e68c6a70ae48555acef928516e70913d233297b060f",
    };

    private ProtocolCatalog catalog = null!;

    [OneTimeSetUp]
    public void LoadShipped() => catalog = new ProtocolCatalog(ProtocolLoader.Load(ProtocolLoader.DefaultDirectory, ProtocolFolder.DrugData), "US");

    [Test]
    public void ShippedFiles_AreTheSchemaTheReadmeAndFiveProtocols() =>
        Assert.That(Directory.GetFiles(ProtocolLoader.DefaultDirectory).Select(Path.GetFileName), Is.EquivalentTo(
            Published.Keys.Append(ProtocolLoader.SchemaFileName).Append("README.md")));

    [Test]
    public void Schema_IsAValidDraft202012Schema()
    {
        using var schema = JsonDocument.Parse(File.ReadAllText(ProtocolLoader.DefaultSchemaPath));
        var result = MetaSchemas.Draft202012.Evaluate(schema.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        Assert.That(result.IsValid, Is.True, () => string.Join("; ", (result.Details ?? []).SelectMany(d => d.Errors ?? new Dictionary<string, string>())));
        Assert.That(schema.RootElement.GetProperty("$schema").GetString(), Is.EqualTo("https://json-schema.org/draft/2020-12/schema"));
    }

    [TestCaseSource(nameof(PublishedFiles))]
    public void ShippedFile_LoadsAndValidates(string fileName)
    {
        var file = catalog.Files.Single(f => Path.GetFileName(f.Path) == fileName);
        Assert.That(file.Protocol.Id, Is.EqualTo(Path.GetFileNameWithoutExtension(fileName)));
        Assert.That(file.Protocol.Management, Has.Count.EqualTo(8));
        Assert.That(file.Protocol.Checks.Basis, Is.EqualTo(Basis.CrsmonitorDefault), "check frequencies are CrsMonitor defaults, not label content");
        Assert.That(file.Protocol.Windows, Is.Not.Empty);
    }

    [TestCaseSource(nameof(PublishedFiles))]
    public void PublishedFile_IsNeverEdited(string fileName)
    {
        var text = File.ReadAllText(Path.Combine(ProtocolLoader.DefaultDirectory, fileName)).Replace("\r\n", "\n", StringComparison.Ordinal);
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
        Assert.That(hash, Is.EqualTo(Published[fileName]),
            $"{fileName} changed. A published protocol is never edited: publish a new file with a later effectiveFrom. "
            + "Only a file that has not been released yet may change, and then its hash here changes with it.");
    }

    [Test]
    public void Tarlatamab_IsTheUsDefaultWithItsCodesAndSource()
    {
        var p = catalog.ApplicableTo("tarlatamab", Dose)!;
        Assert.That(p.Id, Is.EqualTo("tarlatamab-us-2025-11"));
        Assert.That(p.Jurisdiction, Is.EqualTo(catalog.DefaultJurisdiction));
        Assert.That(p.Drug.Codes.Crsmonitor, Is.EqualTo("tarlatamab"));
        Assert.That(p.EffectiveFrom, Is.EqualTo(new DateOnly(2025, 11, 1)));
        Assert.That(p.LabelVersion, Does.Contain("11/2025"));
        Assert.That(p.Source.Sections, Has.Some.Contain("Table 5"));
    }

    [Test]
    public void P01_C1D1_ObservedFromInfusionStart22To24Hours_ThenProximityWithCaregiverTo48Hours()
    {
        var plan = catalog.PlanFor("tarlatamab", Dose, cycle: 1, day: 1)!;
        Assert.That(plan.Dose.StepUpIndex, Is.EqualTo(1));
        Assert.That(plan.Dose.Amount, Is.EqualTo(1m));
        var (observed, proximity) = (plan.Windows[0], plan.Windows[1]);
        Assert.That(plan.Windows, Has.Count.EqualTo(2));
        Assert.That((observed.Anchor, observed.MinHours, observed.MaxHours, observed.Setting), Is.EqualTo((WindowAnchor.Start, 22m, 24m, WindowSetting.Observed)));
        Assert.That((proximity.Anchor, proximity.MaxHours, proximity.Setting, proximity.CaregiverRequired, proximity.After),
            Is.EqualTo((WindowAnchor.Start, 48m, WindowSetting.Proximity, true, observed.Id)));
        Assert.That(proximity.MaxTravelMinutes, Is.EqualTo(60));

        // Infusion 09:00-10:00: observed window ends no earlier than 07:00 and no later than 09:00 the next day;
        // proximity to 09:00 on day +2.
        var start = new DateTimeOffset(2026, 1, 15, 9, 0, 0, TimeSpan.Zero);
        var end = start.AddHours(1);
        Assert.That(observed.EarliestEnd(start, end), Is.EqualTo(new DateTimeOffset(2026, 1, 16, 7, 0, 0, TimeSpan.Zero)));
        Assert.That(observed.LatestEnd(start, end), Is.EqualTo(new DateTimeOffset(2026, 1, 16, 9, 0, 0, TimeSpan.Zero)));
        Assert.That(proximity.LatestEnd(start, end), Is.EqualTo(new DateTimeOffset(2026, 1, 17, 9, 0, 0, TimeSpan.Zero)));
    }

    [Test]
    public void P01_C1D8_IsMonitoredLikeC1D1()
    {
        var plan = catalog.PlanFor("tarlatamab", Dose, 1, 8)!;
        Assert.That(plan.Dose.Amount, Is.EqualTo(10m));
        Assert.That(plan.Windows.Select(w => (w.Anchor, w.MinHours, w.MaxHours, w.Setting)), Is.EqualTo(new[]
        {
            (WindowAnchor.Start, 22m, 24m, WindowSetting.Observed), (WindowAnchor.Start, 48m, 48m, WindowSetting.Proximity),
        }));
    }

    [Test]
    public void P02_C1D15_Observed6To8HoursAfterTheEndOfTheInfusion()
    {
        var window = catalog.PlanFor("tarlatamab", Dose, 1, 15)!.Windows.Single();
        Assert.That((window.Anchor, window.MinHours, window.MaxHours, window.Setting), Is.EqualTo((WindowAnchor.End, 6m, 8m, WindowSetting.Observed)));
        var start = new DateTimeOffset(2026, 1, 29, 9, 0, 0, TimeSpan.Zero);
        Assert.That(window.EarliestEnd(start, start.AddHours(1)), Is.EqualTo(start.AddHours(7)));
    }

    [Test]
    public void P03_C1D15_AfterGrade2Crs_GetsExtendedMonitoring22To24HoursFromInfusionStart()
    {
        var protocol = catalog.ApplicableTo("tarlatamab", Dose)!;
        Assert.That(protocol.ExtendsMonitoringAfter(TriggerKind.Crs, 2), Is.True);
        Assert.That(protocol.ExtendsMonitoringAfter(TriggerKind.Icans, 3), Is.True);
        Assert.That(protocol.ExtendsMonitoringAfter(TriggerKind.NeurologicToxicity, 2), Is.True);
        Assert.That(protocol.ExtendsMonitoringAfter(TriggerKind.Crs, 1), Is.False);

        var plan = catalog.PlanFor("tarlatamab", Dose, 1, 15, extendedMonitoring: true)!;
        var extended = plan.Windows.Single(w => w.Extended);
        Assert.That((extended.Anchor, extended.MinHours, extended.MaxHours, extended.Setting), Is.EqualTo((WindowAnchor.Start, 22m, 24m, WindowSetting.Observed)));
        Assert.That(plan.Windows.Single(w => !w.Extended).MaxHours, Is.EqualTo(8m), "the dose's own window stays; the longer one decides");
    }

    [TestCase(2, 1, 6, 8)]
    [TestCase(2, 15, 6, 8)]
    [TestCase(3, 1, 3, 4)] // P04
    [TestCase(4, 15, 3, 4)]
    [TestCase(5, 1, 2, 2)]
    [TestCase(5, 15, 2, 2)] // P05
    [TestCase(12, 1, 2, 2)]
    [TestCase(240, 15, 2, 2)]
    public void P04_P05_LaterCycles_ObservedAfterTheInfusion(int cycle, int day, int minHours, int maxHours)
    {
        var window = catalog.PlanFor("tarlatamab", Dose, cycle, day)!.Windows.Single();
        Assert.That((window.Anchor, window.MinHours, window.MaxHours), Is.EqualTo((WindowAnchor.End, (decimal)minHours, (decimal)maxHours)));
    }

    [TestCase(1, 2)]
    [TestCase(2, 8)]
    [TestCase(5, 8)]
    public void Tarlatamab_NoDoseOnThatDay_NoPlan(int cycle, int day) =>
        Assert.That(catalog.PlanFor("tarlatamab", Dose, cycle, day), Is.Null);

    [Test]
    public void P07_Grade4Crs_PermanentlyDiscontinue_AsReferenceTextWithItsSource()
    {
        var text = catalog.ApplicableTo("tarlatamab", Dose)!.ManagementFor(Scale.Crs, 4)!;
        Assert.That(text.DoseActions, Is.EqualTo(new[] { DoseAction.PermanentlyDiscontinue }));
        Assert.That(text.Text, Does.Contain("Permanently discontinue"));
        Assert.That((text.Basis, text.Source), Is.EqualTo((Basis.Label, "Label Table 5 (CRS), grade 4")));
    }

    [Test]
    public void Tarlatamab_PremedicationAndStopInfusionNote()
    {
        var protocol = catalog.ApplicableTo("tarlatamab", Dose)!;
        var dexamethasone = protocol.Premedications.Items.Single(p => p.DrugKey == "dexamethasone");
        Assert.That((dexamethasone.Amount, dexamethasone.Unit, dexamethasone.Route), Is.EqualTo((8m, "mg", DoseRoute.Intravenous)));
        Assert.That((dexamethasone.Timing.RelativeTo, dexamethasone.Timing.FromMinutes, dexamethasone.Timing.ToMinutes), Is.EqualTo((WindowAnchor.Start, -60, 0)));
        Assert.That(dexamethasone.Doses, Is.EqualTo(new[] { "c1d1", "c1d8" }));
        var saline = protocol.Premedications.Items.Single(p => p.Id == "hydration");
        Assert.That((saline.Amount, saline.Unit, saline.Timing.RelativeTo, saline.Timing.OverMinutes), Is.EqualTo((1m, "L", WindowAnchor.End, new MinutesRange(240, 300))));
        Assert.That(protocol.DuringInfusion!.AtFirstSignOfCrs, Is.EqualTo(InfusionAction.StopInfusion));
    }

    [Test]
    public void Tarlatamab_CheckDefaults_VitalsEvery4h_IceEvery8h_Grace15_Intensified30MinFor2hThen4hIfStable()
    {
        var checks = catalog.ApplicableTo("tarlatamab", Dose)!.Checks;
        Assert.That((checks.VitalSignsEveryMinutes, checks.IceEveryMinutes, checks.OverdueGraceMinutes), Is.EqualTo((240, 480, 15)));
        Assert.That(checks.Intensification.Triggers, Is.EquivalentTo(new[]
        {
            new ProtocolTrigger(TriggerKind.Crs, 1), new ProtocolTrigger(TriggerKind.Icans, 1), new ProtocolTrigger(TriggerKind.IceDrop, null),
        }));
        Assert.That(checks.Intensification.Steps, Is.EqualTo(new[]
        {
            new IntensifiedCheck(CheckKind.Ice, 30, 120, false), new IntensifiedCheck(CheckKind.Ice, 240, null, true),
        }));
    }

    [TestCase("teclistamab", 1, 4, 48, WindowSetting.Inpatient)]
    [TestCase("teclistamab", 1, 7, 48, WindowSetting.Inpatient)]
    [TestCase("elranatamab", 1, 1, 48, WindowSetting.Inpatient)]
    [TestCase("elranatamab", 1, 4, 24, WindowSetting.Inpatient)]
    [TestCase("epcoritamab", 1, 15, 24, WindowSetting.Inpatient)]
    [TestCase("glofitamab", 1, 8, 24, WindowSetting.Inpatient)]
    public void OtherDrugs_MandatedMonitoringFromTheTable_AfterAdministration(string drug, int cycle, int day, int hours, WindowSetting setting)
    {
        var plan = catalog.PlanFor(drug, Dose, cycle, day)!;
        var window = plan.Windows.Single();
        Assert.That((window.Anchor, window.MinHours, window.MaxHours, window.Setting, window.Basis), Is.EqualTo((WindowAnchor.End, (decimal)hours, (decimal)hours, setting, Basis.Label)));
        Assert.That(plan.Protocol.Management.Select(m => m.Basis).Distinct(), Is.EqualTo(new[] { Basis.LabelNotTranscribed }), "not transcribed, and says so");
    }

    [TestCase("elranatamab", 1, 8)]
    [TestCase("epcoritamab", 1, 1)]
    [TestCase("glofitamab", 2, 1)]
    public void OtherDrugs_DoseWithoutMandatedMonitoring_HasNoWindow(string drug, int cycle, int day) =>
        Assert.That(catalog.PlanFor(drug, Dose, cycle, day)!.Windows, Is.Empty);

    [Test]
    public void Jurisdiction_WithoutProtocols_AppliesNone() =>
        Assert.That(catalog.ApplicableTo("tarlatamab", Dose, "DE"), Is.Null);

    [Test]
    public void BeforeTheFirstVersion_NoProtocolApplies() =>
        Assert.That(catalog.ApplicableTo("tarlatamab", new DateOnly(2025, 10, 31)), Is.Null);

    [Test]
    public void WindowAcrossDaylightSavingChange_IsElapsedTime()
    {
        // 2026-03-08 02:00 in New York: clocks go forward. 09:00 EST + 24 h elapsed = 10:00 EDT the next day.
        var window = catalog.PlanFor("tarlatamab", Dose, 1, 1)!.Windows[0];
        var start = new DateTimeOffset(2026, 3, 7, 9, 0, 0, TimeSpan.FromHours(-5));
        var latest = window.LatestEnd(start, start.AddHours(1));
        Assert.That(latest - start, Is.EqualTo(TimeSpan.FromHours(24)));
        var newYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
        Assert.That(TimeZoneInfo.ConvertTime(latest, newYork).Hour, Is.EqualTo(10));
    }

    private static string[] PublishedFiles() => [.. Published.Keys];
}
