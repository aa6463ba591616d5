using System.Text.RegularExpressions;
using NUnit.Framework;

namespace CrsMonitor.Grading.Tests;

/// <summary>Every case of Vignettes-section6.md is a test named by its id, and every such test is in the file.</summary>
[TestFixture]
public sealed partial class VignetteFileTests
{
    [Test]
    public void EverySection6VignetteIsATestNamedByItsId_AndEveryIdTestIsInTheFile()
    {
        var folder = Folder();
        var file = File.ReadAllText(Path.Combine(folder, "Vignettes-section6.md"));
        var tests = File.ReadAllText(Path.Combine(folder, "AuditRuleTests.cs"));
        var inFile = RowId().Matches(file).Select(m => m.Groups[1].Value).ToHashSet();
        var inTests = TestId().Matches(tests).Select(m => m.Groups[1].Value).ToHashSet();
        Assert.That(inFile, Is.Not.Empty);
        Assert.That(inTests, Is.EquivalentTo(inFile));
    }

    private static string Folder()
    {
        for (var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "CrsMonitor.Grading.Tests");
            if (File.Exists(Path.Combine(candidate, "Vignettes-section6.md")))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("tests/CrsMonitor.Grading.Tests/Vignettes-section6.md not found above the test directory");
    }

    [GeneratedRegex(@"^\| (S\d\d) \|", RegexOptions.Multiline)]
    private static partial Regex RowId();

    [GeneratedRegex("\"(S\\d\\d)_")]
    private static partial Regex TestId();
}
