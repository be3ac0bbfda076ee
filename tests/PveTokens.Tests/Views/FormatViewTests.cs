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

    /// <summary>Every table view of the format file with its type (from the module) and its columns.</summary>
    public static TheoryData<string> TableViews()
    {
        var data = new TheoryData<string>();
        foreach (XElement view in FormatFile().Descendants("View").Where(v => v.Element("TableControl") is not null))
        {
            data.Add(view.Element("Name")!.Value.Trim());
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(TableViews))]
    public void EveryColumnHeadingIsAPropertyThatHoldsWhatTheColumnShows(string viewName)
    {
        // A heading that is not a property makes `Where-Object <Heading> …` and `Select-Object <Heading>`
        // silently match nothing. Each heading must be a property of the type; a column that shows a
        // property shows that one, and a computed column computes from it (or shows a constant).
        XElement view = FormatFile().Descendants("View").Single(v => v.Element("Name")!.Value.Trim() == viewName && v.Element("TableControl") is not null);
        foreach (string typeName in view.Element("ViewSelectedBy")!.Elements("TypeName").Select(t => t.Value.Trim()))
        {
            Type type = Module.GetType(typeName) ?? throw new Xunit.Sdk.XunitException($"The view {viewName} selects {typeName}, which the module does not have.");
            var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
            var headers = view.Descendants("TableColumnHeader").ToList();
            foreach (XElement row in view.Descendants("TableColumnItems"))
            {
                var items = row.Elements("TableColumnItem").ToList();
                for (int i = 0; i < items.Count; i++)
                {
                    string? property = items[i].Element("PropertyName")?.Value.Trim();
                    string? script = items[i].Element("ScriptBlock")?.Value;
                    string heading = headers[i].Element("Label")?.Value.Trim() ?? property ?? string.Empty;
                    Assert.True(properties.Contains(heading), $"{typeName}: the column '{heading}' is not a property ({string.Join(", ", properties.Order())}).");
                    if (property is not null)
                    {
                        Assert.True(property == heading, $"{typeName}: the column '{heading}' shows the property {property}.");
                    }
                    else
                    {
                        Assert.True(!script!.Contains("$_", StringComparison.Ordinal) || script.Contains("$_." + heading, StringComparison.Ordinal),
                            $"{typeName}: the column '{heading}' is computed from something else: {script}");
                    }
                }
            }
        }
    }

    [Fact]
    public void TheHeadingRuleSeesEveryTableView() =>
        Assert.True(((IEnumerable<object[]>)TableViews()).Count() >= ((IEnumerable<object[]>)OutputTypes()).Count(), "a table view per output type, at least");

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
