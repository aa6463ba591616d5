using CrsMonitor.Service.Assessment;
using CrsMonitor.Service.Research.Csv;
using CrsMonitor.Service.Research.Deidentification;
using CrsMonitor.Service.Research.Episodes;

namespace CrsMonitor.Service.Tests.Research;

/// <summary>The episode CSV's format (RFC 4180) and its dictionary, written from one column table.</summary>
public sealed class EpisodeCsvTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 24, 9, 0, 0, TimeSpan.Zero);

    [Test]
    public void TheDictionary_HasOneRowPerColumn_InTheCsvsOrder_EachNamingACibmtrQuestionOrSayingNone()
    {
        var dictionary = Rows(EpisodeCsv.Dictionary());
        using (Assert.EnterMultipleScope())
        {
            Assert.That(dictionary[0], Is.EqualTo(new[] { "column", "description", "format", "cibmtr_question" }));
            Assert.That(dictionary.Skip(1).Select(r => r[0]), Is.EqualTo(EpisodeColumns.All.Select(c => c.Name)));
            Assert.That(dictionary.Skip(1).All(r => r.Length == 4 && r.All(f => f.Length > 0)), Is.True, "every column described, formatted and mapped");
            Assert.That(dictionary.Skip(1).Select(r => r[0]).Distinct().Count(), Is.EqualTo(EpisodeColumns.All.Count));
        }
    }

    [Test]
    public void Fields_WithCommasQuotesOrFormulaStarts_AreQuotedAndDefused()
    {
        using var folder = new TempDirectory();
        var deid = new Deidentifier(PseudonymKey.LoadOrCreate(Path.Combine(folder.Path, "k")));
        var record = new EpisodeRecord("p", Scale.Crs, Start.AddHours(13), Start.AddHours(15), null, 2, 66,
            new DoseContext("d", "tarlatamab", 1, 1, 1, "=1+1 mg", "IV", Start, Start.AddHours(1), [], "proto", "label, \"2025\"", "inpatient"),
            new PeakFindings(38.9m, Start.AddHours(14), false, null, 0, null, null, null, null, null, null, null, null, null),
            [], []);
        var rows = Rows(EpisodeCsv.Episodes([record], deid));
        var row = rows[1];
        string Field(string name) => row[EpisodeColumns.All.ToList().FindIndex(c => c.Name == name)];
        using (Assert.EnterMultipleScope())
        {
            Assert.That(rows, Has.Count.EqualTo(2));
            Assert.That(row, Has.Length.EqualTo(EpisodeColumns.All.Count));
            Assert.That(Field("dose"), Is.EqualTo("'=1+1 mg"), "a spreadsheet must not run it");
            Assert.That(Field("label_version"), Is.EqualTo("label, \"2025\""));
            Assert.That(Field("onset_hours_from_infusion_start"), Is.EqualTo("13"));
            Assert.That(Field("onset_hours_from_infusion_end"), Is.EqualTo("12"));
            Assert.That(Field("resolved_at"), Is.Empty, "ongoing");
            Assert.That(Field("tmax_celsius"), Is.EqualTo("38.9"));
        }
    }

    /// <summary>An RFC 4180 reader (quoted fields, doubled quotes, CRLF rows), independent of the writer.</summary>
    internal static List<string[]> Rows(string csv)
    {
        var rows = new List<string[]>();
        var fields = new List<string>();
        var field = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < csv.Length; i++)
        {
            var c = csv[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < csv.Length && csv[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else if (c == '\r' && i + 1 < csv.Length && csv[i + 1] == '\n')
            {
                fields.Add(field.ToString());
                field.Clear();
                rows.Add([.. fields]);
                fields.Clear();
                i++;
            }
            else
            {
                field.Append(c);
            }
        }

        Assert.That(field.Length == 0 && fields.Count == 0 && !quoted, Is.True, "every row ends with CRLF");
        return rows;
    }
}
