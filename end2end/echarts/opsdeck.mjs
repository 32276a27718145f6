// The ECharts Opsdeck serves: only what its charts use (app/src/components/chart/:
// line and stacked bar series over a time axis, a legend, an axis tooltip and
// deployment markers as mark lines), drawn on a canvas. Bundled by
// scripts/lib.sh (`ensure_echarts`) with esbuild into public/echarts.min.js;
// the full library is ~1 MB, this is a quarter of it.
import * as echarts from 'echarts/core';
import { BarChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendPlainComponent, MarkLineComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([LineChart, BarChart, GridComponent, LegendPlainComponent, MarkLineComponent, TooltipComponent, CanvasRenderer]);

// charming-style callers (and the tests) use the page's global `echarts`.
window.echarts = echarts;
