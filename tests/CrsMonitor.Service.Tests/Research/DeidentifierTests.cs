using CrsMonitor.Service.Research.Deidentification;

namespace CrsMonitor.Service.Tests.Research;

/// <summary>Pseudonyms, date shifts and ages as the research exports write them (issue 16).</summary>
public sealed class DeidentifierTests
{
    private TempDirectory folder = null!;

    [SetUp]
    public void Create() => folder = new TempDirectory();

    [TearDown]
    public void Remove() => folder.Dispose();

    private Deidentifier Keyed(string file = PseudonymKey.DefaultFileName) => new(PseudonymKey.LoadOrCreate(Path.Combine(folder.Path, file)));

    [Test]
    public void APseudonym_IsStableAcrossLoadsOfTheKey_AndDiffersUnderAnotherKey()
    {
        var first = Keyed().Pseudonym("p-1");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(first, Does.Match("^rp-[a-z2-7]{16}$"));
            Assert.That(Keyed().Pseudonym("p-1"), Is.EqualTo(first), "the key file is read back, not replaced");
            Assert.That(Keyed().Pseudonym("p-2"), Is.Not.EqualTo(first));
            Assert.That(Keyed("other.key").Pseudonym("p-1"), Is.Not.EqualTo(first), "another key, another pseudonym");
        }
    }

    [Test]
    public void TheKeyFile_IsOwnerOnly()
    {
        Keyed();
        if (OperatingSystem.IsWindows())
        {
            Assert.Ignore("Unix file modes");
            return;
        }

        Assert.That(File.GetUnixFileMode(Path.Combine(folder.Path, PseudonymKey.DefaultFileName)), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
    }

    [Test]
    public void ADamagedKeyFile_IsRefused_NamingTheFile()
    {
        var path = Path.Combine(folder.Path, "bad.key");
        File.WriteAllText(path, "not base64 !");
        Assert.That(() => PseudonymKey.LoadOrCreate(path), Throws.InstanceOf<Service.Hosting.StartupConfigurationException>().With.Message.Contains(path));
    }

    [Test]
    public void EveryShift_IsAWholeNumberOfDays_AtLeastAMonth_AtMostAYear_BothWays_AndKeepsIntervals()
    {
        var deid = Keyed();
        var shifts = Enumerable.Range(0, 2000).Select(i => deid.ShiftOf($"p-{i}")).ToList();
        var start = new DateTimeOffset(2026, 11, 24, 8, 0, 0, TimeSpan.Zero);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(shifts.All(s => s.Ticks % TimeSpan.TicksPerDay == 0), Is.True);
            Assert.That(shifts.All(s => Math.Abs(s.TotalDays) is >= Deidentifier.MinimumShiftDays and <= Deidentifier.MaximumShiftDays), Is.True);
            Assert.That(shifts.Count(s => s < TimeSpan.Zero), Is.InRange(800, 1200), "earlier and later about equally often");
            Assert.That(deid.Shift("p-1", start.AddHours(13.5)) - deid.Shift("p-1", start), Is.EqualTo(TimeSpan.FromHours(13.5)));
            Assert.That(deid.ShiftOf("p-1"), Is.EqualTo(Keyed().ShiftOf("p-1")), "stable across exports");
        }
    }

    [TestCase(null, null)]
    [TestCase(45, "45")]
    [TestCase(89, "89")]
    [TestCase(90, "90+")]
    [TestCase(104, "90+")]
    public void Ages_From90_AreGivenAs90Plus(int? years, string? exported) => Assert.That(Deidentifier.Age(years), Is.EqualTo(exported));
}
