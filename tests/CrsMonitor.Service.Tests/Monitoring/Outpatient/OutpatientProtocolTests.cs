using System.Globalization;
using System.Text.Json.Nodes;
using CrsMonitor.Service.Monitoring.Outpatient;
using CrsMonitor.Service.Monitoring.Protocols;
using CrsMonitor.Service.Monitoring.Schedule;
using CrsMonitor.Service.Tests.Monitoring.Protocols;

namespace CrsMonitor.Service.Tests.Monitoring.Outpatient;

/// <summary>
/// Issue 17 item 1 in the protocol files: the settings home and observation-clinic, the optional home check schedule,
/// the caregiver and travel rules, and a later label version (a test fixture, never a published file) that shortens the
/// first-dose window and sends the patient home, loaded without a code change.
/// </summary>
public sealed class OutpatientProtocolTests
{
    public const string FixtureId = "tarlatamab-us-2026-02-fixture";

    /// <summary>The fixture file as the test build copies it.</summary>
    public static string FixturePath => Path.Combine(AppContext.BaseDirectory, "Monitoring", "Outpatient", "Fixtures", $"{FixtureId}.json");

    /// <summary>A copy of the shipped protocols with the fixture beside them.</summary>
    public static ProtocolFolder FolderWithFixture()
    {
        var folder = new ProtocolFolder();
        File.Copy(FixturePath, folder.FileOf(FixtureId));
        return folder;
    }

    private static DateOnly Date(string text) => DateOnly.Parse(text, CultureInfo.InvariantCulture);

    [Test]
    public void TheFixture_IsNoPublishedFile()
    {
        Assert.That(File.Exists(Path.Combine(ProtocolLoader.DefaultDirectory, $"{FixtureId}.json")), Is.False, "a test fixture never ships");
        Assert.That(ProtocolFolder.Read(FixturePath)["notes"]!.ToJsonString(), Does.Contain("TEST FIXTURE"));
    }

    [TestCase("2026-01-31", "tarlatamab-us-2025-11", "c1-observed:observed:22-24,c1-proximity:proximity:48-48")]
    [TestCase("2026-02-01", FixtureId, "c1-observed:observed:6-8,c1-home:home:48-48")]
    public void TheLaterVersion_LoadsAndAppliesFromItsDate_WithoutACodeChange(string date, string id, string windows)
    {
        using var folder = FolderWithFixture();
        var plan = folder.Catalog().PlanFor("tarlatamab", Date(date), 1, 1)!;
        Assert.That(plan.Protocol.Id, Is.EqualTo(id));
        Assert.That(string.Join(",", plan.Windows.Select(w => $"{w.Id}:{MonitoringSettingKind.Word(w.Setting)}:{w.MinHours}-{w.MaxHours}")), Is.EqualTo(windows));
    }

    [Test]
    public void TheFixture_HomeWindowRequiresACaregiverWithin60Minutes_AndC1D15IsInTheObservationClinic()
    {
        using var folder = FolderWithFixture();
        var catalog = folder.Catalog();
        var home = catalog.PlanFor("tarlatamab", Date("2026-02-02"), 1, 8)!.Windows.Single(w => w.Id == "c1-home");
        var clinic = catalog.PlanFor("tarlatamab", Date("2026-02-02"), 1, 15)!.Windows.Single();
        using (Assert.EnterMultipleScope())
        {
            Assert.That((home.Setting, home.CaregiverRequired, home.MaxTravelMinutes, home.After), Is.EqualTo((WindowSetting.Home, true, (int?)60, "c1-observed")));
            Assert.That(clinic.Setting, Is.EqualTo(WindowSetting.ObservationClinic));
            Assert.That(MonitoringSettingKind.IsOutpatient(clinic.Setting), Is.True);
        }
    }

    [TestCase("inpatient", false, true)]
    [TestCase("observed", false, true)]
    [TestCase("observation-clinic", true, true)]
    [TestCase("proximity", true, false)]
    [TestCase("home", true, false)]
    public void Vocabulary_OutpatientAndNurseChecks(string word, bool outpatient, bool nurseChecks)
    {
        var setting = MonitoringSettingKind.Parse(word)!.Value;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(MonitoringSettingKind.Word(setting), Is.EqualTo(word));
            Assert.That(MonitoringSettingKind.IsOutpatient(word), Is.EqualTo(outpatient));
            Assert.That(MonitoringSettingKind.HasNurseChecks(setting), Is.EqualTo(nurseChecks));
        }
    }

    [Test]
    public void Vocabulary_IsTheSchemasEnum()
    {
        var schema = ProtocolFolder.Read(ProtocolLoader.DefaultSchemaPath);
        var words = schema["$defs"]!["setting"]!["enum"]!.AsArray().Select(n => n!.GetValue<string>());
        Assert.That(words, Is.EqualTo(MonitoringSettingKind.All));
        Assert.That(MonitoringSettingKind.Parse("clinic"), Is.Null);
    }

    [Test]
    public void CheckSchedule_PerSetting_HomeTakesChecksHome_ProximityNone()
    {
        using var folder = FolderWithFixture();
        var fixture = folder.Catalog().Find(FixtureId)!.Protocol.Checks;
        var shipped = folder.Catalog().Find(ProtocolFolder.Tarlatamab)!.Protocol.Checks;
        var opens = new DateTimeOffset(2026, 2, 2, 9, 0, 0, TimeSpan.Zero);
        var home = CheckPlanner.Plan(opens, opens.AddHours(40), fixture.For(WindowSetting.Home)!, [opens.AddHours(1)]);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(fixture.For(WindowSetting.ObservationClinic), Is.SameAs(fixture));
            Assert.That(fixture.For(WindowSetting.Proximity), Is.Null);
            Assert.That(shipped.For(WindowSetting.Home), Is.Null, "no checks.home: no scheduled checks at home");
            Assert.That(home.Select(s => (s.Kind, s.DueAt - opens, s.Basis)), Is.EqualTo(new[]
            {
                (CheckKind.Ice, TimeSpan.FromHours(12), SlotBasis.Routine),
                (CheckKind.Ice, TimeSpan.FromHours(24), SlotBasis.Routine),
                (CheckKind.Ice, TimeSpan.FromHours(36), SlotBasis.Routine),
            }), "ICE every 12 h, no vital signs, no intensification after the trigger at +1 h");
        }
    }

    [Test]
    public void Schema_RefusesAnUnknownSetting()
    {
        using var folder = new ProtocolFolder();
        folder.Edit(ProtocolFolder.Tarlatamab, p => p["windows"]![0]!["setting"] = "clinic");
        folder.Refused(folder.FileOf(ProtocolFolder.Tarlatamab), "$.windows[0].setting");
    }

    [Test]
    public void Rules_ACaregiverOnlyWhereNoStaffAre()
    {
        using var folder = new ProtocolFolder();
        folder.Edit(ProtocolFolder.Tarlatamab, p => p["windows"]![0]!["caregiverRequired"] = true);
        folder.Refused(folder.FileOf(ProtocolFolder.Tarlatamab), "$.windows[0].caregiverRequired", "proximity or home", "observed");
    }

    [Test]
    public void Rules_ATravelLimitOnAHomeWindowIsAllowed_OnAnObservationClinicWindowNot()
    {
        using var folder = new ProtocolFolder();
        folder.Edit(ProtocolFolder.Tarlatamab, p =>
        {
            p["windows"]![0]!["setting"] = "home";
            p["windows"]![0]!["maxTravelMinutes"] = 30;
        });
        Assert.That(folder.Load(), Is.Not.Empty);
        folder.Edit(ProtocolFolder.Tarlatamab, p => p["windows"]![0]!["setting"] = "observation-clinic");
        folder.Refused(folder.FileOf(ProtocolFolder.Tarlatamab), "$.windows[0].maxTravelMinutes", "proximity or home", "observation-clinic");
    }

    [Test]
    public void Rules_AHomeScheduleNeedsAKindOfCheck_AndIntervalsLongerThanTheGrace()
    {
        using var folder = new ProtocolFolder();
        folder.Edit(ProtocolFolder.Tarlatamab, p => p["checks"]!["home"] = JsonNode.Parse(
            """{"basis":"institution","source":"policy","vitalSignsEveryMinutes":null,"iceEveryMinutes":null}"""));
        folder.Refused(folder.FileOf(ProtocolFolder.Tarlatamab), "$.checks.home", "neither");
        folder.Edit(ProtocolFolder.Tarlatamab, p => p["checks"]!["home"] = JsonNode.Parse(
            """{"basis":"institution","source":"policy","vitalSignsEveryMinutes":15,"iceEveryMinutes":null}"""));
        folder.Refused(folder.FileOf(ProtocolFolder.Tarlatamab), "$.checks.home.vitalSignsEveryMinutes", "15", "overdueGraceMinutes (15)");
        folder.Edit(ProtocolFolder.Tarlatamab, p => p["checks"]!["home"]!["vitalSignsEveryMinutes"] = 16);
        Assert.That(folder.Load(), Is.Not.Empty, "16 minutes is one more than the grace");
    }

    [Test]
    public void Schema_RefusesAnUnknownFieldInChecksHome()
    {
        using var folder = new ProtocolFolder();
        folder.Edit(ProtocolFolder.Tarlatamab, p => p["checks"]!["home"] = JsonNode.Parse(
            """{"basis":"institution","source":"policy","vitalSignsEveryMinutes":null,"iceEveryMinutes":720,"wearable":true}"""));
        Assert.Throws<CrsMonitor.Service.Hosting.StartupConfigurationException>(() => folder.Load());
    }

    [Test]
    public void Preview_ExpectedDate_WithinACycleAndAcrossCycles()
    {
        var latest = new DateOnly(2026, 1, 19);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(ProtocolChanges.ExpectedOn(latest, new DosePlace(1, 8), new DosePlace(1, 15), 28), Is.EqualTo(new DateOnly(2026, 1, 26)));
            Assert.That(ProtocolChanges.ExpectedOn(latest, new DosePlace(1, 15), new DosePlace(2, 1), 28), Is.EqualTo(new DateOnly(2026, 2, 2)));
            Assert.That(ProtocolChanges.ExpectedOn(latest, new DosePlace(1, 15), new DosePlace(2, 1), null), Is.Null);
        }
    }

    [Test]
    public void Preview_Differences_NameEachWindowAndField()
    {
        using var folder = FolderWithFixture();
        var catalog = folder.Catalog();
        static IReadOnlyList<PlannedWindowView> Of(DosePlan plan) =>
            [.. plan.Windows.Select(w => new PlannedWindowView(w.Id, MonitoringSettingKind.Word(w.Setting), MonitoringSettingKind.IsOutpatient(w.Setting),
                w.Anchor.ToString().ToLowerInvariant(), w.MinHours, w.MaxHours, w.CaregiverRequired, w.MaxTravelMinutes, w.After, w.Extended))];
        var before = Of(catalog.PlanFor("tarlatamab", Date("2026-01-31"), 1, 8)!);
        var after = Of(catalog.PlanFor("tarlatamab", Date("2026-02-01"), 1, 8)!);
        Assert.That(ProtocolChanges.Differences(before, after), Is.EqualTo(new[]
        {
            "c1-observed: minHours 22 → 6; maxHours 24 → 8",
            "c1-proximity: removed (proximity, 48-48 h)",
            "c1-home: new (home, 48-48 h)",
        }));
        Assert.That(ProtocolChanges.Differences(before, before), Is.Empty);
    }
}
