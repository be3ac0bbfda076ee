using System.Management.Automation;
using PveTokens.Completion;

namespace PveTokens.Tests.Acl;

public sealed class CompletionTextTests
{
    private static readonly CompletionCandidate[] Candidates =
    {
        new("ci@pve!backup"), new("ci@pve!deploy"), new("Alice@pve"), new("svc backup@pve"), new("o'brien@pve"),
    };

    [Theory]
    [InlineData("ci", new[] { "ci@pve!backup", "ci@pve!deploy" })]
    [InlineData("CI@PVE!B", new[] { "ci@pve!backup" })]
    [InlineData("*back", new[] { "ci@pve!backup", "'svc backup@pve'" })]
    [InlineData("a", new[] { "Alice@pve" })]
    [InlineData("'ci@pve!d", new[] { "'ci@pve!deploy'" })]
    [InlineData("o", new[] { "'o''brien@pve'" })]
    [InlineData("zzz", new string[0])]
    public void Matches_case_insensitive_prefixes_with_wildcards_and_quotes_where_needed(string word, string[] expected)
    {
        Assert.Equal(expected, CompletionText.Complete(Candidates, word).Select(r => r.CompletionText));
    }

    [Fact]
    public void Results_are_parameter_values_with_the_bare_text_as_list_item()
    {
        CompletionResult result = CompletionText.Complete(Candidates, "svc").Single();
        Assert.Equal(CompletionResultType.ParameterValue, result.ResultType);
        Assert.Equal("svc backup@pve", result.ListItemText);
    }

    [Theory]
    [InlineData("/vms/100", '\0', "/vms/100")]
    [InlineData("@group", '\0', "'@group'")]
    [InlineData("a$b", '"', "\"a`$b\"")]
    public void Quotes_only_what_needs_it(string value, char opened, string expected)
    {
        Assert.Equal(expected, CompletionText.Quote(value, opened));
    }
}
