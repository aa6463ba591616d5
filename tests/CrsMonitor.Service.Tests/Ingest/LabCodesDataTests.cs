using CrsMonitor.Service.Hosting;
using CrsMonitor.Service.Ingest;

namespace CrsMonitor.Service.Tests.Ingest;

/// <summary>
/// lab-codes.json is loaded with the other data files and checked at start-up: a broken file stops the service with a
/// message naming the file, the element and the problem.
/// </summary>
public sealed class LabCodesDataTests
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

    private void Edit(string from, string to)
    {
        var path = Path.Combine(directory.Path, IngestData.LabCodesFile);
        var text = File.ReadAllText(path);
        Assert.That(text, Does.Contain(from), "test setup");
        File.WriteAllText(path, text.Replace(from, to, StringComparison.Ordinal));
    }

    private void RefusedSaying(params string[] words)
    {
        var e = Assert.Throws<StartupConfigurationException>(() => IngestData.Load(directory.Path))!;
        Assert.That(e.Message, Does.Contain(IngestData.LabCodesFile));
        foreach (var word in words)
        {
            Assert.That(e.Message, Does.Contain(word));
        }
    }

    [Test]
    public void ShippedTable_Loads() => Assert.That(() => IngestData.Load(IngestData.DefaultDirectory), Throws.Nothing);

    [Test]
    public void MissingFile_IsRefused()
    {
        File.Delete(Path.Combine(directory.Path, IngestData.LabCodesFile));
        RefusedSaying("cannot be read");
    }

    [Test]
    public void ACanonicalUnitOtherThanTheContracts_IsRefused()
    {
        // ug/L is ng/mL (a unit of ferritin and D-dimer without conversion), but the contract keeps them in ng/mL.
        Edit("\"canonicalUnit\": \"ng/mL\",", "\"canonicalUnit\": \"ug/L\",");
        RefusedSaying("analytes", "ferritin (ng/mL)", "ferritin (ug/L)");
    }

    [Test]
    public void AnAnalyteKeyOutsideTheContract_IsRefused()
    {
        Edit("\"key\": \"il-6\"", "\"key\": \"interleukin-6\"");
        RefusedSaying("must be exactly the contract's analytes", "interleukin-6");
    }

    [Test]
    public void ACodeThatIsAlsoAVitalSign_IsRefused()
    {
        Edit("{ \"code\": \"2276-4\", \"display\": \"Ferritin [Mass/volume] in Serum or Plasma\" }",
            "{ \"code\": \"2276-4\", \"display\": \"Ferritin [Mass/volume] in Serum or Plasma\" }, { \"code\": \"8310-5\", \"display\": \"Body temperature\" }");
        RefusedSaying("analytes[1].codes", "LOINC 8310-5 already has a meaning");
    }

    [Test]
    public void ACodeWithAWrongCheckDigit_IsRefused()
    {
        Edit("\"code\": \"2276-4\"", "\"code\": \"2276-5\"");
        RefusedSaying("'2276-5' is not a LOINC code");
    }

    [Test]
    public void AQualifierOnOneCodeOfAnAnalyteOnly_IsRefused()
    {
        Edit(", \"qualifier\": \"DDU\"", string.Empty);
        RefusedSaying("a qualifier must be given on every code of the analyte or on none");
    }

    [Test]
    public void ACodeNamingAUnitItsAnalyteDoesNotHave_IsRefused()
    {
        Edit("\"units\": [\"umol/L\", \"mmol/L\"]", "\"units\": [\"umol/L\", \"mol/L\"]");
        RefusedSaying("'mol/L' is not one of analytes[5].units");
    }

    [Test]
    public void AUnitNoCodeTakes_IsRefused()
    {
        Edit("\"units\": [\"umol/L\", \"mmol/L\"]", "\"units\": [\"umol/L\"]");
        RefusedSaying("[mmol/L] are taken by none of the codes");
    }

    [Test]
    public void ACanonicalUnitWithAConversion_IsRefused()
    {
        Edit("{ \"code\": \"U/L\", \"min\": 0, \"max\": 100000 },\n        { \"code\": \"[IU]/L\", \"min\": 0, \"max\": 100000 },\n        { \"code\": \"ukat/L\", \"min\": 0, \"max\": 1700, \"multiply\": 60 }\n      ]\n    },\n    {\n      \"key\": \"platelets\"",
            "{ \"code\": \"U/L\", \"min\": 0, \"max\": 100000, \"multiply\": 2 },\n        { \"code\": \"[IU]/L\", \"min\": 0, \"max\": 100000 },\n        { \"code\": \"ukat/L\", \"min\": 0, \"max\": 1700, \"multiply\": 60 }\n      ]\n    },\n    {\n      \"key\": \"platelets\"");
        RefusedSaying("canonicalUnit", "'U/L' must be one of the units, without conversion");
    }

    [Test]
    public void ARangeWithMinAboveMax_IsRefused()
    {
        Edit("{ \"code\": \"g/L\", \"min\": 0, \"max\": 20, \"multiply\": 100 }", "{ \"code\": \"g/L\", \"min\": 20, \"max\": 0, \"multiply\": 100 }");
        RefusedSaying("min must be below max");
    }
}
