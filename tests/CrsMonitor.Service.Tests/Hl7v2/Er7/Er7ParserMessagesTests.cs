using CrsMonitor.Service.Hl7v2.Er7;

namespace CrsMonitor.Service.Tests.Hl7v2.Er7;

/// <summary>The real-world-shaped messages read field by field, to the exact values a consumer will use.</summary>
public sealed class Er7ParserMessagesTests
{
    [Test]
    public void Oru_FromABedsideMonitor_ReadsHeaderAndEveryObservation()
    {
        var message = Er7Parser.Parse(Er7Samples.Oru);
        var msh = message.Msh;
        var obx = message.All("OBX").ToList();
        var temperature = obx[3];
        using (Assert.EnterMultipleScope())
        {
            Assert.That(message.Delimiters, Is.EqualTo(Er7Delimiters.Standard));
            Assert.That(message.Segments.Select(s => s.Id), Is.EqualTo(new[] { "MSH", "PID", "PV1", "OBR", "OBX", "OBX", "OBX", "OBX", "OBX", "OBX", "OBX", "NTE" }));
            Assert.That(msh[1].Value, Is.EqualTo("|"));
            Assert.That(msh[2].Value, Is.EqualTo(@"^~\&"));
            Assert.That(msh[2].First.Components, Has.Count.EqualTo(1));
            Assert.That(msh[3][2], Is.EqualTo("0080B8FFFE0B1A2C"));
            Assert.That(msh[9][1] + "^" + msh[9][2] + "^" + msh[9][3], Is.EqualTo("ORU^R01^ORU_R01"));
            Assert.That(msh[10].Value, Is.EqualTo("MSG00042"));
            Assert.That(msh[12].Value, Is.EqualTo("2.6"));
            Assert.That(msh[18].Value, Is.EqualTo("UNICODE UTF-8"));
            Assert.That(msh[21][3], Is.EqualTo("1.3.6.1.4.1.19376.1.6.1.1.1"));
            Assert.That(msh.FieldCount, Is.EqualTo(21));
            Assert.That(obx, Has.Count.EqualTo(7));
            Assert.That(obx.Select(o => o.Sequence), Is.EqualTo(new[] { 1, 2, 3, 4, 5, 6, 7 }));
            Assert.That(obx.Select(o => o.Position), Is.EqualTo(new[] { 5, 6, 7, 8, 9, 10, 11 }));
            Assert.That(temperature[3][1], Is.EqualTo("150344"));
            Assert.That(temperature[3][2], Is.EqualTo("MDC_TEMP"));
            Assert.That(temperature[3][3], Is.EqualTo("MDC"));
            Assert.That(temperature[4].Value, Is.EqualTo("1.1.1.3"));
            Assert.That(temperature[5].Value, Is.EqualTo("38.6"));
            Assert.That(temperature[6][2], Is.EqualTo("MDC_DIM_DEGC"));
            Assert.That(temperature[8].Value, Is.EqualTo("H"));
            Assert.That(temperature[11].Value, Is.EqualTo("R"));
            Assert.That(temperature[14].Value, Is.EqualTo("20250301080500+0100"));
            Assert.That(obx[5][11].Value, Is.EqualTo("R"));
            Assert.That(obx.Select(o => o[5].Value), Is.EqualTo(new[] { "", "97", "88", "38.6", "86", "52", "24" }));
            Assert.That(obx[0][18][4], Is.EqualTo("EUI-64"));
            Assert.That(message.First("NTE")![3].Value, Is.EqualTo("Cuff on left arm\nre-measured after 5 min (manual) SpO2 probe ok"));
            Assert.That(message.First("ZZZ"), Is.Null);
        }
    }

    [Test]
    public void Oru_RepeatingIdentifier_ReadsEachRepetition()
    {
        var pid = Er7Parser.Parse(Er7Samples.Oru).First("PID")!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(pid[3].Repetitions, Has.Count.EqualTo(2));
            Assert.That(pid[3].Repetitions.Select(r => r[1].Value + "/" + r[4].Value + "/" + r[5].Value), Is.EqualTo(new[] { "0012345/HOSP/MR", "998877/NHS/NH" }));
            Assert.That(pid[3].Value, Is.EqualTo("0012345"));
            Assert.That(pid[3].First[2], Is.SameAs(Er7Component.Empty));
            Assert.That(pid[5][1] + "," + pid[5][2] + "," + pid[5][3] + "," + pid[5][7], Is.EqualTo("Doe,Jane,Q,L"));
        }
    }

    [Test]
    public void AdtA01_ReadsPatientVisitAndNonAsciiNames()
    {
        var message = Er7Parser.Parse(Er7Samples.Adt);
        var pid = message.First("PID")!;
        var pv1 = message.First("PV1")!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(message.Msh[9][2], Is.EqualTo("A01"));
            Assert.That(message.Msh[12].Value, Is.EqualTo("2.5.1"));
            Assert.That(message.First("EVN")![1].Value, Is.EqualTo("A01"));
            Assert.That(pid[5][1], Is.EqualTo("O'Brien-Müller"));
            Assert.That(pid[5][2], Is.EqualTo("Seán"));
            Assert.That(pid[3].Repetitions[1].Value, Is.EqualTo("\"\""));
            Assert.That(pid[11][6], Is.EqualTo("IRL"));
            Assert.That(pid.FieldCount, Is.EqualTo(13), "trailing empty fields count as written");
            Assert.That(pid[13], Is.SameAs(Er7Field.Empty));
            Assert.That(pv1[3][1] + "-" + pv1[3][2] + "-" + pv1[3][3], Is.EqualTo("ICU-7-1"));
            Assert.That(pv1[7][2], Is.EqualTo("Smith"));
            Assert.That(pv1[19][1] + "/" + pv1[19][5], Is.EqualTo("V0001/VN"));
        }
    }

    [Test]
    public void RasO17_ReadsTheAdministrationWithSubComponents()
    {
        var message = Er7Parser.Parse(Er7Samples.Ras);
        var rxa = message.First("RXA")!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(message.Msh[9][1] + "^" + message.Msh[9][2], Is.EqualTo("RAS^O17"));
            Assert.That(message.First("ORC")![1].Value, Is.EqualTo("RE"));
            Assert.That(rxa[3].Value, Is.EqualTo("20250301085500"));
            Assert.That(rxa[5][1], Is.EqualTo("TCZ"));
            Assert.That(rxa[5][2], Is.EqualTo("tocilizumab 8 mg/kg"));
            Assert.That(rxa[6].Value, Is.EqualTo("8"));
            Assert.That(rxa[7].First[1].SubComponents, Is.EqualTo(new[] { "mg/kg", "milligram per kilogram", "UCUM" }));
            Assert.That(rxa[7].Value, Is.EqualTo("mg/kg"));
            Assert.That(rxa[7].First[1][3], Is.EqualTo("UCUM"));
            Assert.That(rxa[7].First[1][4], Is.EqualTo(""));
            Assert.That(rxa[20].Value, Is.EqualTo("CP"));
            Assert.That(rxa.FieldCount, Is.EqualTo(20));
            Assert.That(message.First("RXR")![1][2], Is.EqualTo("intravenous"));
        }
    }

    [Test]
    public void Ack_ReadsAcknowledgementAndUnescapesTheErrorText()
    {
        var message = Er7Parser.Parse(Er7Samples.Ack);
        var err = message.First("ERR")!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(message.First("MSA")![1].Value, Is.EqualTo("AE"));
            Assert.That(message.First("MSA")![2].Value, Is.EqualTo("MSG00042"));
            Assert.That(err[2].First.Components.Select(c => c.Value), Is.EqualTo(new[] { "OBX", "4", "5", "1" }));
            Assert.That(err[3][1], Is.EqualTo("103"));
            Assert.That(err[4].Value, Is.EqualTo("E"));
            Assert.That(err[8].Value, Is.EqualTo(@"Value \ not in range| check"));
        }
    }

    [Test]
    public void TruncationCharacter_EscapedIsTheCharacter_RawIsData()
    {
        var message = Er7Parser.Parse(Er7Samples.Truncating);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(message.Delimiters, Is.EqualTo(new Er7Delimiters('|', '^', '~', '\\', '&', '#')));
            Assert.That(message.Delimiters.EncodingCharacters, Is.EqualTo(@"^~\&#"));
            Assert.That(message.Msh[2].Value, Is.EqualTo(@"^~\&#"));
            Assert.That(message.First("OBX")![5].Value, Is.EqualTo("bed #4 probe#"));
        }
    }

    [Test]
    public void Segment_At_GivesItsOwnLocation()
    {
        var obx = Er7Parser.Parse(Er7Samples.Oru).All("OBX").ElementAt(1);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(obx.At(5), Is.EqualTo(new Er7Location("OBX", 2, 5)));
            Assert.That(obx.At(6, 2).ToString(), Is.EqualTo("OBX[2]-6.2"));
            Assert.That(obx.At(3, component: 1, repetition: 2, subComponent: 3).ToErl(Er7Delimiters.Standard), Is.EqualTo("OBX^2^3^2^1^3"));
            Assert.That(obx.ToString(), Is.EqualTo("OBX[2]"));
        }
    }
}
