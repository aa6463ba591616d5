using System.Text.Json.Nodes;
using CrsMonitor.Service.Assessment;
using CrsMonitor.Service.Hosting;
using CrsMonitor.Service.Monitoring.Protocols;

namespace CrsMonitor.Service.Tests.Monitoring.Protocols;

/// <summary>
/// The optional <c>labelOnset</c> of a protocol file (the label's median onset of CRS and ICANS, drawn beside the site
/// view's curves): tarlatamab's CRS median from protocols.md, no ICANS median, none for the other drugs; a broken
/// one is refused at start-up like every other rule, naming the file and the field.
/// </summary>
public sealed class LabelOnsetTests
{
    private ProtocolFolder folder = null!;

    [SetUp]
    public void CopyShipped() => folder = new ProtocolFolder();

    [TearDown]
    public void Delete() => folder.Dispose();

    [Test]
    public void Tarlatamab_CrsMedianOnset13To16HoursFromTheStartOfTheInfusion_NoIcansMedian()
    {
        var onset = folder.Catalog().Find(ProtocolFolder.Tarlatamab)!.Protocol.LabelOnset!;
        Assert.That((onset.Crs!.MedianHoursFrom, onset.Crs.MedianHoursTo, onset.Crs.Anchor), Is.EqualTo((13m, 16m, WindowAnchor.Start)));
        Assert.That(onset.Crs.Source, Does.Contain("13 to 16 hours").And.Contain("protocols.md"));
        Assert.That(onset.Icans, Is.Null, "protocols.md gives no ICANS median for tarlatamab");
        Assert.That(onset.For(Scale.Crs), Is.SameAs(onset.Crs));
        Assert.That(onset.For(Scale.Icans), Is.Null);
    }

    [Test]
    public void TheOtherDrugs_HaveNoLabelOnset()
    {
        var others = folder.Catalog().Files.Where(f => f.Protocol.Drug.Key != "tarlatamab").ToList();
        Assert.That(others, Has.Count.EqualTo(4));
        Assert.That(others.Select(f => f.Protocol.LabelOnset), Has.All.Null);
    }

    [Test]
    public void LabelOnset_IsOptional_AndMayBeNullOrGiveOneScale()
    {
        folder.Edit(ProtocolFolder.Tarlatamab, p => p.Remove("labelOnset"));
        folder.Edit("teclistamab-us-2025-11", p => p["labelOnset"] = null);
        folder.Edit("glofitamab-us-2025-11", p => p["labelOnset"] = new JsonObject
        {
            ["crs"] = null,
            ["icans"] = new JsonObject { ["medianHoursFrom"] = 72, ["medianHoursTo"] = 72, ["anchor"] = "end", ["source"] = "a test" },
        });
        var catalog = folder.Catalog();
        Assert.That(catalog.Find(ProtocolFolder.Tarlatamab)!.Protocol.LabelOnset, Is.Null);
        Assert.That(catalog.Find("teclistamab-us-2025-11")!.Protocol.LabelOnset, Is.Null);
        var glofitamab = catalog.Find("glofitamab-us-2025-11")!.Protocol.LabelOnset!;
        Assert.That((glofitamab.Crs, glofitamab.Icans), Is.EqualTo(((OnsetRange?)null, (OnsetRange?)new OnsetRange(72m, 72m, WindowAnchor.End, "a test"))));
    }

    private static JsonNode Crs(JsonObject protocol) => protocol["labelOnset"]!["crs"]!;

    [Test]
    public void MedianFromAboveTo_IsRefusedNamingTheField() =>
        RefusedWith(p => Crs(p)["medianHoursFrom"] = 17, "$.labelOnset.crs.medianHoursFrom", "17 is above medianHoursTo 16");

    [Test]
    public void NegativeHours_AreRefusedNamingTheField() =>
        RefusedWith(p => Crs(p)["medianHoursTo"] = -1, "$.labelOnset.crs.medianHoursTo", "minimum");

    [Test]
    public void NegativeFrom_IsRefusedNamingTheField() =>
        RefusedWith(p => Crs(p)["medianHoursFrom"] = -0.5, "$.labelOnset.crs.medianHoursFrom", "minimum");

    [Test]
    public void IcansOnsetAboveItsEnd_IsRefusedNamingIcans() =>
        RefusedWith(
            p => p["labelOnset"]!["icans"] = new JsonObject { ["medianHoursFrom"] = 50, ["medianHoursTo"] = 40, ["anchor"] = "start", ["source"] = "x" },
            "$.labelOnset.icans.medianHoursFrom", "50 is above medianHoursTo 40");

    [Test]
    public void AnUnknownAnchor_IsRefused() =>
        RefusedWith(p => Crs(p)["anchor"] = "dose", "$.labelOnset.crs.anchor", "'dose' is not one of: start, end");

    [Test]
    public void AMissingScale_IsRefused_NullSaysTheLabelGivesNone() =>
        RefusedWith(p => p["labelOnset"]!.AsObject().Remove("icans"), "$.labelOnset.icans", "is missing");

    [Test]
    public void AnUnknownField_IsRefused() =>
        RefusedWith(p => Crs(p)["meanHours"] = 14, "$.labelOnset.crs.meanHours", "is not a known field");

    [Test]
    public void AMissingSource_IsRefused() =>
        RefusedWith(p => Crs(p).AsObject().Remove("source"), "$.labelOnset.crs.source", "is missing");

    [Test]
    public void ABrokenLabelOnset_StopsTheServiceAtStartUp_NamingFileFieldAndProblem()
    {
        folder.Edit(ProtocolFolder.Tarlatamab, p => Crs(p)["medianHoursFrom"] = 20);
        using var broken = new ServiceHost(new Dictionary<string, string?> { ["Protocols:Directory"] = folder.Path });
        var error = Assert.Catch(() => broken.CreateClient().Dispose());
        Assert.That(error, Is.InstanceOf<StartupConfigurationException>(), error?.ToString());
        Assert.That(error!.Message, Is.EqualTo($"Protocol file {folder.FileOf(ProtocolFolder.Tarlatamab)}: $.labelOnset.crs.medianHoursFrom: 20 is above medianHoursTo 16"));
    }

    private void RefusedWith(Action<JsonObject> change, string path, string words)
    {
        folder.Edit(ProtocolFolder.Tarlatamab, change);
        folder.Refused(folder.FileOf(ProtocolFolder.Tarlatamab), path, words);
    }
}
