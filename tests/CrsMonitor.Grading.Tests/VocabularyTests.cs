using System.Reflection;
using System.Text.RegularExpressions;
using CrsMonitor.Grading.Crs;
using CrsMonitor.Grading.Icans;
using NUnit.Framework;

namespace CrsMonitor.Grading.Tests;

/// <summary>The coded words of the API contract (Vocabulary), the review-flag words, and CAPD item scoring.</summary>
[TestFixture]
public sealed partial class VocabularyTests
{
    private static readonly string[] KnownTables =
    [
        nameof(Vocabulary.TemperatureUnit), nameof(Vocabulary.VasoactiveAgent), nameof(Vocabulary.OxygenDevice),
        nameof(Vocabulary.Consciousness), nameof(Vocabulary.IceNotPossibleReason), nameof(Vocabulary.Seizure),
        nameof(Vocabulary.Motor), nameof(Vocabulary.Icp), nameof(Vocabulary.ExcludedFinding),
        nameof(Vocabulary.CapdFrequency), nameof(Vocabulary.GradeStatus), nameof(Vocabulary.DomainStatus),
    ];

    /// <summary>Every public static CodeTable of Vocabulary, found by reflection so a new table is covered too.</summary>
    private static IEnumerable<FieldInfo> TableFields() =>
        typeof(Vocabulary).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.FieldType.IsGenericType && f.FieldType.GetGenericTypeDefinition() == typeof(CodeTable<>));

    private static IEnumerable<TestCaseData> Tables() =>
        TableFields().Select(f => new TestCaseData(f.Name).SetName($"Vocabulary_{f.Name}_EveryCodeRoundTripsAndIsCaseInsensitive"));

    [Test]
    public void Vocabulary_ReflectionFindsEveryKnownTable() =>
        Assert.That(TableFields().Select(f => f.Name), Is.SupersetOf(KnownTables));

    [TestCaseSource(nameof(Tables))]
    public void EveryCodeRoundTrips(string table)
    {
        var field = TableFields().Single(f => f.Name == table);
        var check = typeof(VocabularyTests).GetMethod(nameof(RoundTripProblems), BindingFlags.NonPublic | BindingFlags.Static)!
            .MakeGenericMethod(field.FieldType.GetGenericArguments()[0]);
        var problems = (List<string>)check.Invoke(null, [field.GetValue(null)])!;
        Assert.That(problems, Is.Empty);
    }

    private static List<string> RoundTripProblems<TEnum>(CodeTable<TEnum> table)
        where TEnum : struct, Enum
    {
        var problems = new List<string>();
        var values = Enum.GetValues<TEnum>();
        if (!table.Codes.SequenceEqual(values.Select(table.Code)))
        {
            problems.Add("Codes is not the codes in declaration order");
        }

        if (table.Codes.Distinct(StringComparer.OrdinalIgnoreCase).Count() != values.Length)
        {
            problems.Add($"codes are not unique: {string.Join(", ", table.Codes)}");
        }

        foreach (var value in values)
        {
            var code = table.Code(value);
            foreach (var word in new[] { code, code.ToUpperInvariant(), $"  {code} " })
            {
                if (!table.TryParse(word, out var parsed) || !parsed.Equals(value))
                {
                    problems.Add($"'{word}' does not parse back to {value}");
                }
            }
        }

        return problems;
    }

    [TestCase("noradrenaline", VasoactiveAgent.Norepinephrine)]
    [TestCase("Noradrenaline", VasoactiveAgent.Norepinephrine)]
    [TestCase("adrenaline", VasoactiveAgent.Epinephrine)]
    [TestCase("norepinephrine", VasoactiveAgent.Norepinephrine)]
    [TestCase("angiotensin-ii", VasoactiveAgent.AngiotensinII)]
    public void Vocabulary_VasoactiveAliasesParse(string word, VasoactiveAgent expected)
    {
        Assert.That(Vocabulary.VasoactiveAgent.TryParse(word, out var agent), Is.True);
        Assert.That(agent, Is.EqualTo(expected));
    }

    [TestCase("°F", TemperatureUnit.Fahrenheit)]
    [TestCase("F", TemperatureUnit.Fahrenheit)]
    [TestCase("degF", TemperatureUnit.Fahrenheit)]
    [TestCase("fahrenheit", TemperatureUnit.Fahrenheit)]
    [TestCase("[degF]", TemperatureUnit.Fahrenheit)]
    [TestCase("C", TemperatureUnit.Celsius)]
    [TestCase("c", TemperatureUnit.Celsius)]
    [TestCase("°C", TemperatureUnit.Celsius)]
    [TestCase("celsius", TemperatureUnit.Celsius)]
    [TestCase("Cel", TemperatureUnit.Celsius)]
    public void Vocabulary_TemperatureUnitAliasesParse(string word, TemperatureUnit expected)
    {
        Assert.That(Vocabulary.TemperatureUnit.TryParse(word, out var unit), Is.True);
        Assert.That(unit, Is.EqualTo(expected));
    }

    [Test]
    public void Vocabulary_AmericanSpellingOfHaemorrhageParses()
    {
        Assert.That(Vocabulary.ExcludedFinding.TryParse("intracranial-hemorrhage", out var finding), Is.True);
        Assert.That(finding, Is.EqualTo(ExcludedFinding.IntracranialHaemorrhage));
    }

    [TestCase("levophed")]
    [TestCase("norepi")]
    [TestCase("nor-epinephrine")]
    [TestCase("")]
    [TestCase("   ")]
    [TestCase(null)]
    [TestCase("0")]
    [TestCase("Norepinephrine, Epinephrine")]
    public void Vocabulary_UnknownVasoactiveWordsFail(string? word) =>
        Assert.That(Vocabulary.VasoactiveAgent.TryParse(word, out _), Is.False);

    [TestCase("K")]
    [TestCase("kelvin")]
    [TestCase("°")]
    [TestCase("CF")]
    [TestCase("")]
    [TestCase(null)]
    public void Vocabulary_UnknownTemperatureUnitsFail(string? word) =>
        Assert.That(Vocabulary.TemperatureUnit.TryParse(word, out _), Is.False);

    [TestCase("nasal cannula")]
    [TestCase("hfnc")]
    [TestCase("oxygen")]
    [TestCase("0")]
    [TestCase("1")]
    public void Vocabulary_UnknownOxygenDevicesFail(string word) =>
        Assert.That(Vocabulary.OxygenDevice.TryParse(word, out _), Is.False);

    [TestCase("drowsy")]
    [TestCase("coma")]
    [TestCase("awakens to voice")]
    public void Vocabulary_UnknownConsciousnessWordsFail(string word) =>
        Assert.That(Vocabulary.Consciousness.TryParse(word, out _), Is.False);

    [Test]
    public void Vocabulary_AnEnumValueWithoutACodeIsRefused() =>
        Assert.That(() => new CodeTable<TemperatureUnit>([(TemperatureUnit.Celsius, "Cel")]), Throws.ArgumentException);

    [Test]
    public void ReviewFlagsAndReasonsAreLowerKebabCaseWords()
    {
        var words = typeof(GradeFlags).GetFields().Concat(typeof(NotGradableReasons).GetFields())
            .Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!).ToList();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(words, Is.Not.Empty);
            Assert.That(words, Has.All.Matches(KebabCase()));
        }
    }

    // CAPD: items 1–4 reverse-scored (never = 4 … always = 0), items 5–8 never = 0 … always = 4; total 0–32.
    private static CapdItems Capd(CapdFrequency first4, CapdFrequency last4) =>
        new(first4, first4, first4, first4, last4, last4, last4, last4);

    [Test]
    public void Capd_AllItemsNever_Is16() =>
        Assert.That(Capd(CapdFrequency.Never, CapdFrequency.Never).Total, Is.EqualTo(16));

    [Test]
    public void Capd_Items1To4AlwaysAnd5To8Never_Is0() =>
        Assert.That(Capd(CapdFrequency.Always, CapdFrequency.Never).Total, Is.Zero);

    [Test]
    public void Capd_Items1To4NeverAnd5To8Always_IsTheMaximum32() =>
        Assert.That(Capd(CapdFrequency.Never, CapdFrequency.Always).Total, Is.EqualTo(32));

    [Test]
    public void Capd_AllItemsAlways_Is16() =>
        Assert.That(Capd(CapdFrequency.Always, CapdFrequency.Always).Total, Is.EqualTo(16));

    [TestCase(CapdFrequency.Never, 4)]
    [TestCase(CapdFrequency.Rarely, 3)]
    [TestCase(CapdFrequency.Sometimes, 2)]
    [TestCase(CapdFrequency.Often, 1)]
    [TestCase(CapdFrequency.Always, 0)]
    public void Capd_EyeContactIsReverseScored(CapdFrequency answer, int points)
    {
        var normal = Capd(CapdFrequency.Always, CapdFrequency.Never);
        Assert.That((normal with { EyeContact = answer }).Total, Is.EqualTo(points));
    }

    [TestCase(CapdFrequency.Never, 0)]
    [TestCase(CapdFrequency.Rarely, 1)]
    [TestCase(CapdFrequency.Sometimes, 2)]
    [TestCase(CapdFrequency.Often, 3)]
    [TestCase(CapdFrequency.Always, 4)]
    public void Capd_SlowToRespondIsScoredForward(CapdFrequency answer, int points)
    {
        var normal = Capd(CapdFrequency.Always, CapdFrequency.Never);
        Assert.That((normal with { SlowToRespond = answer }).Total, Is.EqualTo(points));
    }

    [Test]
    public void Capd_EveryAnswerCombinationStaysWithin0To32()
    {
        var answers = Enum.GetValues<CapdFrequency>();
        var totals = from a in answers from b in answers select Capd(a, b).Total;
        Assert.That(totals, Has.All.InRange(0, 32));
    }

    [GeneratedRegex("^[a-z0-9]+(-[a-z0-9]+)*$")]
    private static partial Regex KebabCase();
}
