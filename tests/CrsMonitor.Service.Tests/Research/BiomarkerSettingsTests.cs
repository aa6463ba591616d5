using System.Text.Json.Nodes;
using CrsMonitor.Service.Hosting;
using CrsMonitor.Service.Identity;
using CrsMonitor.Service.Research.Biomarkers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using static CrsMonitor.Service.Tests.Fhir.FhirTestData;
using static CrsMonitor.Service.Tests.Research.LabFhir;

namespace CrsMonitor.Service.Tests.Research;

/// <summary>
/// Section <c>Biomarkers</c>: strict (an unknown key stops start-up), validated (each problem names its setting), its
/// defaults stated in appsettings.json, and used: a shorter pre-dose look-back leaves a dose without a score, saying so.
/// </summary>
public sealed class BiomarkerSettingsTests
{
    private static IConfiguration Configuration(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.ToDictionary(v => v.Key, v => (string?)v.Value)).Build();

    [Test]
    public void Defaults_Are24hForAScoreOverTime_And72hBeforeADose_AsAppsettingsStates()
    {
        var shipped = BiomarkerSettings.FromConfiguration(new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json")).Build());
        using (Assert.EnterMultipleScope())
        {
            Assert.That(shipped, Is.EqualTo(new BiomarkerSettings()), "appsettings.json states the built-in defaults");
            Assert.That(shipped.ScoreInputMaxAgeHours, Is.EqualTo(24));
            Assert.That(shipped.PreDoseLookbackHours, Is.EqualTo(72));
            Assert.That(shipped.Problems(), Is.Empty);
        }
    }

    [TestCase("ScoreInputMaxAgeHours", "0")]
    [TestCase("ScoreInputMaxAgeHours", "169")]
    [TestCase("PreDoseLookbackHours", "0")]
    [TestCase("PreDoseLookbackHours", "337")]
    public void OutOfRange_IsAProblemNamingTheSetting(string key, string value)
    {
        var problems = BiomarkerSettings.FromConfiguration(Configuration(($"Biomarkers:{key}", value))).Problems();
        Assert.That(problems.Single(), Does.StartWith($"Biomarkers:{key}: {value} must be from 1 to"));
        Assert.That(ConfigurationCheck.Problems(Configuration(($"Biomarkers:{key}", value))), Has.Some.StartWith($"Biomarkers:{key}"));
    }

    [TestCase("1")]
    [TestCase("168")]
    public void TheEdgesOfTheRange_AreAccepted(string value) =>
        Assert.That(BiomarkerSettings.FromConfiguration(Configuration(("Biomarkers:ScoreInputMaxAgeHours", value))).Problems(), Is.Empty);

    [Test]
    public void Startup_WithAnOutOfRangeSetting_IsRefusedNamingIt()
    {
        using var host = new ServiceHost(new Dictionary<string, string?> { ["Biomarkers:PreDoseLookbackHours"] = "400" });
        var error = Assert.Catch(() => host.CreateClient().Dispose());
        Assert.That(error, Is.InstanceOf<OptionsValidationException>());
        Assert.That(error!.Message, Does.Contain("Biomarkers:PreDoseLookbackHours"));
    }

    [TestCase("Biomarkers:PreDoseLookback", "72", "PreDoseLookback")]
    [TestCase("Biomarkers:ScoreInputMaxAgeHours", "a day", "Biomarkers:ScoreInputMaxAgeHours")]
    public void Startup_WithAnUnknownOrMistypedSetting_IsRefusedNamingIt(string key, string value, string named)
    {
        using var host = new ServiceHost(new Dictionary<string, string?> { [key] = value });
        var error = Assert.Catch(() => host.CreateClient().Dispose());
        Assert.That(error!.ToString(), Does.Contain(named));
    }

    [Test]
    public async Task AShorterPreDoseLookback_IsUsed_TheDoseHasNoScoreAndTheReasonSaysTheWindow()
    {
        var dose = new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero);
        using var host = new ServiceHost(new Dictionary<string, string?> { ["Biomarkers:PreDoseLookbackHours"] = "4" });
        host.Time.SetUtcNow(dose.AddHours(2));
        using var integration = host.ClientFor(Roles.Integration);
        using var nurse = host.ClientFor(Roles.Nurse, "7W");
        await AdmitAsync(integration, "p-short", "7W");
        await Ok(await integration.PostAsync("/fhir/MedicationAdministration", Body(Medication("p-short", CrsMonitorMedication, "tarlatamab", dose, dose.AddHours(1)))));
        foreach (var lab in new[] { Ldh("p-short", 250m, dose.AddHours(-6)), Creatinine("p-short", 1.2m, dose.AddHours(-3)), Platelets("p-short", 150m, dose.AddHours(-3)) })
        {
            await Ok(await integration.PostAsync("/fhir/Observation", Body(lab)));
        }

        var answer = JsonNode.Parse(await Ok(await nurse.GetAsync("/api/patients/p-short/biomarkers")))!;
        var preDose = answer["scores"]![0]!["preDose"]![0]!;
        Assert.That(preDose["value"], Is.Null);
        Assert.That(preDose["reason"]!.GetValue<string>(), Is.EqualTo("no LDH within 4 h before the dose (the last, 250 U/L, was taken at 2026-01-05T03:00Z)"));
    }
}
