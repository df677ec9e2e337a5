
  /** `{{ rust_type }}::{{ name }}` in Rust. */
{% if cron %}
  @GenezioMethod({ type: "cron", cronString: {{ cron }} })
{% endif %}
  async {{ name }}({{ params }}): Promise<{{ result }}> {
{% if void %}
    await {{ call }};
{% else %}
    return (await {{ call }}) as {{ result }};
{% endif %}
  }
