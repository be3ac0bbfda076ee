using System.Management.Automation;
using System.Reflection;
using System.Xml.Linq;
using PveTokens.Models;
using PveTokens.Tests.Infrastructure;

namespace PveTokens.Tests.Views;

/// <summary>
/// PveTokens.Format.ps1xml: a table view for every type a cmdlet declares in [OutputType] (the
/// module's own types; SecureString and string are PowerShell's), and no view that shows a secret.
/// </summary>
public sealed class FormatViewTests
{
    private static readonly Assembly Module = typeof(PveApiToken).Assembly;

    private static XDocument FormatFile() =>
        XDocument.Load(Path.Combine(Path.GetDirectoryName(PowerShellHost.ModuleManifest)!, "PveTokens.Format.ps1xml"));

    /// <summary>Every module type named by an [OutputType] on an exported cmdlet class.</summary>
    public static TheoryData<string> OutputTypes()
    {
        var data = new TheoryData<string>();
        IEnumerable<string> names = Module.GetExportedTypes()
            .Where(t => t.GetCustomAttribute<CmdletAttribute>() is not null)
            .SelectMany(t => t.GetCustomAttributes<OutputTypeAttribute>())
            .SelectMany(a => a.Type)
            .Select(p => p.Type)
            .Where(t => t is not null && t.Assembly == Module)
            .Select(t => t!.FullName!)
            .Distinct()
            .OrderBy(n => n, StringComparer.Ordinal);
        foreach (string name in names)
        {
            data.Add(name);
        }

        return data;
    }

    private static IEnumerable<XElement> ViewsFor(string typeName, string control) =>
        FormatFile().Descendants("View")
            .Where(v => v.Element("ViewSelectedBy")!.Elements("TypeName").Any(t => t.Value.Trim() == typeName))
            .Where(v => v.Element(control) is not null);

    [Fact]
    public void TheOutputTypesIncludeEveryModelTheCmdletsReturn()
    {
        // Guards the enumeration itself: if [OutputType] were read wrongly the theory below would be empty.
        var names = ((IEnumerable<object[]>)OutputTypes()).Select(row => (string)row[0]).ToList();
        Assert.Contains(typeof(PveApiToken).FullName, names);
        Assert.Contains(typeof(PveApiTokenSecret).FullName, names);
        Assert.Contains(typeof(PveAcl).FullName, names);
        Assert.Contains(typeof(PvePermission).FullName, names);
        Assert.Contains(typeof(PveSession).FullName, names);
    }

    [Theory]
    [MemberData(nameof(OutputTypes))]
    public void EveryOutputTypeHasATableView(string typeName) =>
        Assert.True(ViewsFor(typeName, "TableControl").Any(), $"PveTokens.Format.ps1xml has no table view for {typeName}");

    [Theory]
    [MemberData(nameof(OutputTypes))]
    public void EveryTableColumnHasAHeaderAndAnItem(string typeName)
    {
        foreach (XElement view in ViewsFor(typeName, "TableControl"))
        {
            int headers = view.Descendants("TableColumnHeader").Count();
            foreach (XElement row in view.Descendants("TableColumnItems"))
            {
                Assert.Equal(headers, row.Elements("TableColumnItem").Count());
            }
        }
    }

    [Fact]
    public void NoViewReadsTheSecret()
    {
        string text = FormatFile().ToString();
        // Hints may name the members ('$t.ToCredential()'); no view may call them on the object ($_).
        Assert.DoesNotContain("Secret</PropertyName>", text, StringComparison.Ordinal);
        foreach (string read in new[] { "$_.Secret", "$_.GetPlainTextSecret", "$_.GetAuthorizationHeaderValue", "$_.ToCredential", "[pscredential]$_" })
        {
            Assert.DoesNotContain(read, text, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Theory]
    [InlineData("Format-Table")]
    [InlineData("Format-List")]
    [InlineData("Format-Custom")]
    [InlineData("Out-String -Width 200")]
    public void TheSecretObjectShowsThatASecretExistsButNeverItsValue(string formatter)
    {
        const string secret = "5f0c7a3e-2b1d-4c8e-9a6f-0d3b7e1c4a92";
        using var ps = new PowerShellHost();
        var token = new PveApiTokenSecret("ci@pve", "backup", "nightly", 0, true, Tokens.TokenTestContext.Secure(secret), session: null);
        string text = ps.Render("$t | " + formatter, new() { ["t"] = token });
        Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
        Assert.Contains("ci@pve!backup", text, StringComparison.Ordinal);
        if (!formatter.StartsWith("Format-Custom", StringComparison.Ordinal))
        {
            Assert.Contains("ConvertTo-PveTokenHandoff", text, StringComparison.Ordinal);
        }
    }
}
