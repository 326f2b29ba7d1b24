package org.mida.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * The soak's PNG, drawn with Java2D (no plotting library): one panel per series over minutes, a panel
 * may hold several lines (visibility p50 and p99). Linear axes start at zero so a flat series looks flat;
 * a latency panel is logarithmic (decades), so 100 ms in steady state and 20 s after a start both read.
 */
final class SoakChart {
    /** One panel: its title, unit, the columns it draws, and whether its axis is logarithmic. */
    record Panel(String title, String unit, List<Integer> columns, boolean log) {
        Panel(String title, String unit, List<Integer> columns) {
            this(title, unit, columns, false);
        }
    }

    private static final Color[] LINES = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c)};
    private static final int W = 1500, H = 820, COLS = 3, ROWS = 2, TOP = 60;

    private SoakChart() {}

    /**
     * @param time minutes since the start, one per sample
     * @param data {@code data[column][sample]}; NaN where a sample has no value
     * @param names the column names (legend)
     */
    static void draw(Path png, String title, double[] time, double[][] data, String[] names, List<Panel> panels)
            throws IOException {
        var img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, W, H);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 18));
        g.drawString(title, 20, 32);
        int pw = W / COLS, ph = (H - TOP) / ROWS;
        double tMax = time.length == 0 ? 1 : Math.max(time[time.length - 1], 1e-9);
        for (int p = 0; p < panels.size() && p < COLS * ROWS; p++) {
            var panel = panels.get(p);
            int x0 = (p % COLS) * pw + 70, y0 = TOP + (p / COLS) * ph + 30;
            int w = pw - 100, h = ph - 80;
            double yMax = 0, yMinPositive = Double.POSITIVE_INFINITY;
            for (int c : panel.columns())
                for (double v : data[c])
                    if (!Double.isNaN(v)) {
                        yMax = Math.max(yMax, v);
                        if (v > 0) yMinPositive = Math.min(yMinPositive, v);
                    }
            double yMin = 0;
            if (panel.log()) {
                yMin = decadeFloor(yMinPositive);
                yMax = Math.max(decadeCeiling(yMax), yMin * 10);
            } else {
                yMax = niceCeiling(yMax);
            }
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
            g.setColor(Color.BLACK);
            g.drawString(panel.title() + " (" + panel.unit() + (panel.log() ? ", log scale" : "") + ")", x0, y0 - 10);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
            var ticks = new java.util.ArrayList<Double>();
            if (panel.log()) for (double d = yMin; d <= yMax * 1.0001; d *= 10) ticks.add(d);
            else for (int k = 0; k <= 4; k++) ticks.add(yMax * k / 4);
            for (double tick : ticks) {
                int y = y0 + h - (int) Math.round(scale(tick, yMin, yMax, panel.log()) * h);
                g.setColor(new Color(0xe0e0e0));
                g.drawLine(x0, y, x0 + w, y);
                g.setColor(Color.DARK_GRAY);
                String label = format(tick);
                g.drawString(label, x0 - 8 - g.getFontMetrics().stringWidth(label), y + 4);
            }
            for (int k = 0; k <= 5; k++) {
                int x = x0 + k * w / 5;
                String label = format(tMax * k / 5);
                g.drawString(label, x - g.getFontMetrics().stringWidth(label) / 2, y0 + h + 16);
            }
            g.drawString("minutes", x0 + w / 2 - 20, y0 + h + 32);
            g.setColor(Color.BLACK);
            g.drawRect(x0, y0, w, h);
            g.setStroke(new BasicStroke(1.6f));
            int legend = 0;
            for (int c : panel.columns()) {
                Color color = LINES[legend % LINES.length];
                g.setColor(color);
                int px = -1, py = -1;
                for (int i = 0; i < time.length; i++) {
                    double v = data[c][i];
                    if (Double.isNaN(v)) {
                        px = -1;
                        continue;
                    }
                    int x = x0 + (int) Math.round(time[i] / tMax * w);
                    int y = y0 + h - (int) Math.round(scale(v, yMin, yMax, panel.log()) * h);
                    if (px >= 0) g.drawLine(px, py, x, y);
                    else g.fillRect(x - 1, y - 1, 3, 3);
                    px = x;
                    py = y;
                }
                if (panel.columns().size() > 1) {
                    g.drawLine(x0 + w - 170, y0 + 12 + legend * 14, x0 + w - 150, y0 + 12 + legend * 14);
                    g.drawString(names[c], x0 + w - 145, y0 + 16 + legend * 14);
                }
                legend++;
            }
            g.setStroke(new BasicStroke(1f));
        }
        g.dispose();
        Files.createDirectories(png.toAbsolutePath().getParent());
        ImageIO.write(img, "png", png.toFile());
    }

    /** Where {@code v} lies between {@code lo} and {@code hi} (0 to 1, clamped); in decades when {@code log}. */
    static double scale(double v, double lo, double hi, boolean log) {
        double f = log
                ? (Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))
                : (v - lo) / (hi - lo);
        return Math.max(0, Math.min(1, f));
    }

    /** The power of ten at or below {@code v} (1 when there is no positive value). */
    static double decadeFloor(double v) {
        return v > 0 && Double.isFinite(v) ? Math.pow(10, Math.floor(Math.log10(v))) : 1;
    }

    /** The power of ten at or above {@code v} (10 when there is no positive value). */
    static double decadeCeiling(double v) {
        return v > 0 && Double.isFinite(v) ? Math.pow(10, Math.ceil(Math.log10(v))) : 10;
    }

    private static double niceCeiling(double v) {
        if (!(v > 0)) return 1;
        double mag = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[] {1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10}) if (m * mag >= v) return m * mag;
        return 10 * mag;
    }

    private static String format(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e7) return String.valueOf((long) v);
        return Math.abs(v) >= 10 ? String.format("%.0f", v) : String.format("%.2f", v);
    }
}
