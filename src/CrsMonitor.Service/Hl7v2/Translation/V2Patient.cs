using CrsMonitor.Service.Hl7v2.Er7;
using Hl7.Fhir.Model;

namespace CrsMonitor.Service.Hl7v2.Translation;

/// <summary>
/// The patient a message is about (PID): PID-3's identifiers, and the one that finds the stored Patient, the medical
/// record number (CX-5 <c>MR</c>) or else the first. Other identifiers whose authority has no system are left out of
/// the Patient with a warning; the finding one must be readable.
/// </summary>
public sealed record V2Patient(Identifier Key, IReadOnlyList<Identifier> All, Er7Segment Pid)
{
    /// <summary>A conditional reference to the stored Patient holding <see cref="Key"/> (or the Patient entry of the same message).</summary>
    public ResourceReference Reference() => new($"Patient?identifier={Key.System}|{Key.Value}");

    public static V2Patient? Read(Er7Segment pid, V2Identifiers identifiers, V2Findings findings)
    {
        ArgumentNullException.ThrowIfNull(pid);
        ArgumentNullException.ThrowIfNull(identifiers);
        ArgumentNullException.ThrowIfNull(findings);
        var ids = pid[3];
        if (!ids.IsPresent)
        {
            findings.Required(pid.At(3), "is empty: the patient's identifier (medical record number) finds the Patient");
            return null;
        }

        var keyAt = 0;
        for (var i = 0; i < ids.Repetitions.Count; i++)
        {
            if (ids.Repetitions[i][5].Value == "MR")
            {
                keyAt = i;
                break;
            }
        }

        Identifier? key = null;
        var all = new List<Identifier>();
        for (var i = 0; i < ids.Repetitions.Count; i++)
        {
            var at = pid.At(3, repetition: i + 1);
            if (i == keyAt)
            {
                key = identifiers.Read(ids.Repetitions[i], at, findings, "the identifier that finds the Patient");
                if (key is not null)
                {
                    all.Add(key);
                }

                continue;
            }

            var own = new V2Findings();
            if (identifiers.Read(ids.Repetitions[i], at, own, "another identifier of the patient") is { } other)
            {
                all.Add(other);
            }
            else
            {
                findings.Warning(at, "left out of the Patient: " + string.Join("; ", own.Issues.Select(x => x.Text)));
            }
        }

        return key is null ? null : new V2Patient(key, all, pid);
    }
}
