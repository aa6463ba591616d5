using CrsMonitor.Service.Hosting;
using CrsMonitor.Service.Ingest;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CrsMonitor.Service.Tests.Ingest;

/// <summary>
/// The data files of schemas/fhir are shipped beside the binary, loaded and cross-checked at start-up; a broken file
/// stops the service with a message naming the file and the problem.
/// </summary>
public sealed class IngestDataTests
{
    private TempDirectory directory = null!;

    [SetUp]
    public void CopyTheShippedData()
    {
        directory = new TempDirectory();
        foreach (var file in Directory.GetFiles(IngestData.DefaultDirectory))
        {
            File.Copy(file, Path.Combine(directory.Path, Path.GetFileName(file)));
        }
    }

    [TearDown]
    public void Delete() => directory.Dispose();

    private void Edit(string file, string from, string to)
    {
        var path = Path.Combine(directory.Path, file);
        var text = File.ReadAllText(path);
        Assert.That(text, Does.Contain(from), "test setup");
        File.WriteAllText(path, text.Replace(from, to, StringComparison.Ordinal));
    }

    private void RefusedSaying(string file, params string[] words)
    {
        var e = Assert.Throws<StartupConfigurationException>(() => IngestData.Load(directory.Path))!;
        Assert.That(e.Message, Does.Contain(file));
        foreach (var word in words)
        {
            Assert.That(e.Message, Does.Contain(word));
        }
    }

    [Test]
    public void ShippedData_Loads()
    {
        var data = IngestData.Load(IngestData.DefaultDirectory);
        Assert.That(data.DrugClassByKey["norepinephrine"], Is.EqualTo("vasopressor"));
        Assert.That(data.DrugClassByKey["tarlatamab"], Is.EqualTo("protocol-drug"));
        Assert.That(data.DrugClassByKey.Values.Distinct(), Is.EquivalentTo(IngestData.DrugClasses));
    }

    [Test]
    public void ShippedData_IsAReadmeAndTenFiles() =>
        Assert.That(Directory.GetFiles(IngestData.DefaultDirectory).Select(Path.GetFileName), Is.EquivalentTo(new[]
        {
            "README.md", IngestData.ObservationCodesFile, IngestData.ObservationCodeSystemFile, IngestData.OxygenDeviceCodeSystemFile,
            IngestData.NeuroCodeSystemFile, IngestData.MedicationCodeSystemFile, IngestData.NeuroCheckQuestionnaireFile,
            IngestData.HomeCheckInQuestionnaireFile, IngestData.DeviceMapFile, IngestData.DrugMapFile, IngestData.LabCodesFile,
        }));

    [Test]
    public void AHomeCheckInItemThatIsNotTheCodes_IsRefused()
    {
        Edit(IngestData.HomeCheckInQuestionnaireFile, "\"linkId\": \"sleepiness\"", "\"linkId\": \"drowsiness\"");
        RefusedSaying(IngestData.HomeCheckInQuestionnaireFile, "sleepiness");
    }

    [Test]
    public void MissingFile_IsRefused()
    {
        File.Delete(Path.Combine(directory.Path, IngestData.DrugMapFile));
        RefusedSaying(IngestData.DrugMapFile, "cannot be read");
    }

    [Test]
    public void NotJson_IsRefused()
    {
        Edit(IngestData.DrugMapFile, "\"drugs\": [", "\"drugs\": [,");
        RefusedSaying(IngestData.DrugMapFile, "not valid JSON");
    }

    [Test]
    public void UnknownDrugClass_IsRefused()
    {
        Edit(IngestData.DrugMapFile, "\"key\": \"milrinone\", \"class\": \"inotrope\"", "\"key\": \"milrinone\", \"class\": \"inotropic\"");
        RefusedSaying(IngestData.DrugMapFile, "drugs[6].class", "'inotropic'");
    }

    [Test]
    public void SameCodeForTwoDrugs_IsRefused()
    {
        Edit(IngestData.DrugMapFile, "\"code\": \"3992\"", "\"code\": \"7512\"");
        RefusedSaying(IngestData.DrugMapFile, "mapped to two drugs");
    }

    [Test]
    public void VasopressorTheCalculatorDoesNotKnow_IsRefused()
    {
        Edit(IngestData.DrugMapFile, "\"key\": \"dopamine\"", "\"key\": \"dopa\"");
        RefusedSaying(IngestData.DrugMapFile, "'dopa'");
    }

    [Test]
    public void MedicationCodeWithoutADrug_IsRefused()
    {
        Edit(IngestData.MedicationCodeSystemFile, "{ \"code\": \"tebentafusp\"", "{ \"code\": \"mosunetuzumab\", \"display\": \"x\" },\n    { \"code\": \"tebentafusp\"");
        RefusedSaying(IngestData.DrugMapFile, "mosunetuzumab");
    }

    [Test]
    public void DeviceMapToAnUnknownDevice_IsRefused()
    {
        Edit(IngestData.DeviceMapFile, "\"device\": \"venturi-mask\"", "\"device\": \"venturi\"");
        RefusedSaying(IngestData.DeviceMapFile, "mappings[2].device", "'venturi'");
    }

    [Test]
    public void DeviceCodeSystemDifferentFromTheCalculator_IsRefused()
    {
        Edit(IngestData.OxygenDeviceCodeSystemFile, "\"code\": \"bipap\"", "\"code\": \"niv\"");
        RefusedSaying(IngestData.OxygenDeviceCodeSystemFile, "bipap", "niv");
    }

    [Test]
    public void CodeSystemNotValidFhir_IsRefused()
    {
        Edit(IngestData.NeuroCodeSystemFile, "\"status\": \"active\"", "\"status\": \"live\"");
        RefusedSaying(IngestData.NeuroCodeSystemFile, "not a valid FHIR R4 CodeSystem", "CodeSystem.status");
    }

    [Test]
    public void QuestionnaireAnswersDifferentFromTheCalculator_IsRefused()
    {
        Edit(IngestData.NeuroCheckQuestionnaireFile, "\"code\": \"awakens-to-voice\"", "\"code\": \"awakens-to-tactile\"");
        RefusedSaying(IngestData.NeuroCheckQuestionnaireFile, "consciousness", "awakens-to-voice");
    }

    [Test]
    public void QuestionnaireWithoutAnIceItem_IsRefused()
    {
        Edit(IngestData.NeuroCheckQuestionnaireFile, "\"linkId\": \"countsBackwards\"", "\"linkId\": \"sedated\"");
        RefusedSaying(IngestData.NeuroCheckQuestionnaireFile, "sedated");
    }

    [Test]
    public void RangeWithMinAboveMax_IsRefused()
    {
        Edit(IngestData.ObservationCodesFile, "{ \"code\": \"/min\", \"min\": 0, \"max\": 300 }", "{ \"code\": \"/min\", \"min\": 300, \"max\": 0 }");
        RefusedSaying(IngestData.ObservationCodesFile, "quantities[1].units[0]", "min must be below max");
    }

    [Test]
    public void UnknownReadingKind_IsRefused()
    {
        Edit(IngestData.ObservationCodesFile, "\"kind\": \"HeartRate\"", "\"kind\": \"Pulse\"");
        RefusedSaying(IngestData.ObservationCodesFile, "quantities[1].kind", "'Pulse'");
    }

    [Test]
    public void LoincCodeWithAWrongCheckDigit_IsRefused()
    {
        // 8460-3 for "Systolic blood pressure--standing" (8460-8) is a typo seen in a public repository.
        Edit(IngestData.ObservationCodesFile, "\"code\": \"8460-8\"", "\"code\": \"8460-3\"");
        RefusedSaying(IngestData.ObservationCodesFile, "quantities[3].codes[2].code", "'8460-3' is not a LOINC code");
    }

    [Test]
    public void CodeBothGradedAndNotGraded_IsRefused()
    {
        Edit(IngestData.ObservationCodesFile, "\"code\": \"61008-9\"", "\"code\": \"8331-1\"");
        RefusedSaying(IngestData.ObservationCodesFile, "notGraded[0].code", "LOINC 8331-1 is given twice");
    }

    [Test]
    public void PanelCodeThatIsAQuantity_IsRefused()
    {
        Edit(IngestData.ObservationCodesFile, "{ \"code\": \"55284-4\"", "{ \"code\": \"8480-6\"");
        RefusedSaying(IngestData.ObservationCodesFile, "bloodPressurePanel.codes", "LOINC 8480-6 is given twice");
    }

    [Test]
    public void NotGradedWithoutAReason_IsRefused()
    {
        Edit(IngestData.ObservationCodesFile, "\"reason\": \"a finding by touch", "\"why\": \"a finding by touch");
        RefusedSaying(IngestData.ObservationCodesFile, "notGraded[6].reason", "is missing");
    }

    [Test]
    public void ClinicianInputNotInTheCodeSystem_IsRefused()
    {
        Edit(IngestData.ObservationCodesFile, "\"code\": \"capd-baseline\"", "\"code\": \"capd-start\"");
        RefusedSaying(IngestData.ObservationCodesFile, "clinicianInputs[6].code", "capd-start");
    }

    [Test]
    public async System.Threading.Tasks.Task AddIngest_BrokenData_StopsTheServiceAtStartUp()
    {
        Edit(IngestData.DrugMapFile, "\"class\": \"antipyretic\"", "\"class\": \"painkiller\"");
        var services = new ServiceCollection().AddIngest(directory.Path).BuildServiceProvider();
        await using (services)
        {
            var hosted = services.GetServices<IHostedService>().ToList();
            Assert.That(hosted, Is.Not.Empty);
            var e = await Assert.ThrowsAsync<StartupConfigurationException>(async () =>
            {
                foreach (var service in hosted)
                {
                    await service.StartAsync(CancellationToken.None);
                }
            })!;
            Assert.That(e?.Message, Does.Contain(IngestData.DrugMapFile).And.Contain("painkiller"));
        }
    }

    [Test]
    public void AddIngest_RegistersRulesAndNormaliser()
    {
        using var services = new ServiceCollection().AddIngest(directory.Path).BuildServiceProvider();
        var rules = services.GetRequiredService<IngestRules>();
        Assert.That(services.GetRequiredService<IngestRules>(), Is.SameAs(rules));
        Assert.That(services.GetRequiredService<Normaliser>(), Is.Not.Null);
    }
}
